#!@busybox@/bin/sh
# PID 1 of a nixlxc stand-in container (system @out@).
#
# Boot: mount what LXC did not, activate, start every unit's supervisor,
# wait for IPv6 DAD, write /run/nixlxc/booted, settle 1 s, write health.
# Then wait for signals, reaping orphans:
#   SIGPWR, SIGTERM  stop all services, sync, exit 0 (the container stops)
#   SIGINT           the same, then reboot -f (LXC restarts the container)
# Logs go to stdout: the LXC console log.
sys=@out@
. @tools@/lib/nixlxc.sh
export PATH="$sys/sw/bin:$bb"
umask 022

say() { echo "nixlxc-init: $*"; }

shutdown() {
  trap '' PWR TERM INT
  [ -n "$sleeper" ] && $bb/kill "$sleeper" 2>/dev/null
  say "got $2: $1, stopping services"
  stop_units $(cd "$state_dir" 2>/dev/null && for f in *.supervisor; do [ -e "$f" ] && echo "${f%.supervisor}"; done)
  $bb/sync
  say "$1: done"
  if [ "$1" = reboot ]; then
    $bb/reboot -f
    $bb/sleep 5  # reboot -f normally does not return
  fi
  exit 0
}
sleeper=
trap 'shutdown poweroff SIGPWR' PWR
trap 'shutdown poweroff SIGTERM' TERM
trap 'shutdown reboot SIGINT' INT

say "booting $sys"

# A previous boot's readiness files must not be mistaken for this one's.
[ -d "$proto_dir" ] && $bb/rm -f "$proto_dir/booted" "$proto_dir/health" "$proto_dir"/*.tmp

# busybox has no `mountpoint`: look at /proc/mounts.
is_mounted() { $bb/awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/mounts; }
is_mounted /run || $bb/mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
if ! is_mounted /dev/shm; then
  $bb/mkdir -p /dev/shm
  $bb/mount -t tmpfs -o nosuid,nodev,mode=1777 shm /dev/shm || say "warning: cannot mount /dev/shm"
fi
if ! is_mounted /dev/pts; then
  $bb/mkdir -p /dev/pts
  $bb/mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts \
    && $bb/ln -sf pts/ptmx /dev/ptmx || say "warning: cannot mount /dev/pts"
fi

"$sys/activate" || say "warning: activation failed (status $?)"

$bb/rm -rf "$state_dir"
$bb/mkdir -p "$state_dir"
units=$(unit_names "$sys")
for n in $units; do
  start_unit "$n" "$sys/services/$n"
done
[ -n "$units" ] && say "started: $units"

# New global IPv6 addresses are tentative until DAD is done (flag 0x40 in
# /proc/net/if_inet6); a service binding to one, or a packet sent from one,
# would fail. Wait up to 5 s. Link-local ones (scope 20) are not waited for:
# nothing here depends on them, and every interface has one.
i=0
while [ -r /proc/net/if_inet6 ] && [ $i -lt 100 ]; do
  tentative=0
  while read -r _addr _idx _plen scope flags _dev; do
    [ "$scope" = 00 ] && [ $((0x$flags & 0x40)) -ne 0 ] && tentative=1
  done < /proc/net/if_inet6
  [ $tentative = 0 ] && break
  $bb/sleep 0.05
  i=$((i + 1))
done
[ $i -ge 100 ] && say "warning: IPv6 addresses still tentative after 5 s"

proto_write booted "$sys"
say "booted"

# Settle, then report health (sleep in the background: signals stay prompt).
$bb/sleep 1 &
sleeper=$!
wait $sleeper
sleeper=
check_health "$sys" "$units"
if [ -n "$failed_units" ]; then say "failed units: $failed_units"; else say "all units ok"; fi

# Reap children (orphans are re-parented to us) until a signal comes.
while :; do
  $bb/sleep 3600 &
  sleeper=$!
  wait $sleeper
  sleeper=
done

#!/usr/bin/env bash
# Boots stand-in systems with the busybox init (NIXLXC_STANDIN_INIT=busybox)
# in a real unprivileged LXC container and checks init, activation,
# supervision, switch-to-configuration, its systemctl stand-in and the
# readiness protocol. (The systemd init is tested through nixlxc itself, in
# tests/systemd_test.go.) Run as root, in a private network namespace:
#
#   unshare --net --mount --propagation private bash -c 'mkdir -p /tmp/cg &&
#     mount --rbind /sys/fs/cgroup /tmp/cg && mount -t sysfs sysfs /sys &&
#     mount --rbind /tmp/cg /sys/fs/cgroup && ip link set lo up &&
#     exec bash standin-nixpkgs/tests/boot-test.sh'
#
# (`ip netns exec` would hide the cgroup mounts; LXC would then silently run
# without cgroups.) Needs root:100000:65536 in /etc/subuid and /etc/subgid.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
standin=$(dirname "$here")
export NIXLXC_STANDIN_INIT=busybox

[ "$(id -u)" = 0 ] || { echo "boot-test: run as root" >&2; exit 1; }
if [ "$(ip -o link | wc -l)" != 1 ] && [ -z "${BOOT_TEST_ANY_NETNS:-}" ]; then
  echo "boot-test: refusing to run outside a private network namespace (see the header)" >&2
  exit 1
fi

D=$(mktemp -d /tmp/standin-boot-test.XXXXXX)
chmod 755 "$D"
C=$D/t1
cleanup() {
  lxc-stop -P "$D" -n t1 -k >/dev/null 2>&1 || true
  rm -rf "$D"
}
trap cleanup EXIT

step() { echo "--- $*"; }
pass() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*" >&2
  echo "=== console.log" >&2; cat "$C/console.log" >&2 2>/dev/null || true
  echo "=== lxc.log" >&2; tail -n 20 "$C/lxc.log" >&2 2>/dev/null || true
  exit 1
}
expect_eq() { # WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  pass "$1"
}
# wait_for SECONDS CMD...: poll CMD every 0.1 s.
wait_for() {
  local n=$(($1 * 10)); shift
  while [ $n -gt 0 ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1; n=$((n - 1))
  done
  return 1
}

# expect_soon WHAT WANT CMD...: CMD prints WANT within 10 s. For what the
# container's services do on their own schedule after boot: booted does
# not wait for every oneshot (the busybox init starts units at once).
expect_soon() {
  local what=$1 want=$2 got n=100; shift 2
  while [ $n -gt 0 ]; do
    got=$("$@" 2>/dev/null) || true
    [ "$got" = "$want" ] && break
    sleep 0.1; n=$((n - 1))
  done
  expect_eq "$what" "$got" "$want"
}
boots() { rootfs_file var/lib/setup/boots | wc -l; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

at() { lxc-attach -P "$D" -n t1 --clear-env --set-var PATH=/run/current-system/sw/bin -- "$@"; }
init_pid() { lxc-info -P "$D" -n t1 -pH; }
state() { lxc-info -P "$D" -n t1 -sH; }
svc_file() { at cat "/run/nixlxc-services/$1" 2>/dev/null || true; }
rootfs_file() { cat "$C/rootfs/$1" 2>/dev/null || true; }
set_profile() { ln -sfn "$1" "$C/profiles/system"; }

build() {
  # Built as nixlxc builds a container's system.
  nix-build "$standin/../nixsys/nix/system.nix" -I "nixpkgs=$standin" --no-out-link \
    --argstr configFile "$here/configs/$1" --argstr name t1 --argstr ip 10.0.0.2 \
    --argstr settingsJSON '{"test":true}'
}

boot() { # boot, wait for `booted`, print ms taken
  local t0 t1
  # Like nixlxc: a previous boot's protocol files must go before the start
  # (init removes them too, but only once it runs).
  rm -f "$C/console.log" "$C/run/booted"
  t0=$(now_ms)
  lxc-start -P "$D" -n t1 || fail "lxc-start failed"
  wait_for 10 test -e "$C/run/booted" || fail "no booted file within 10 s"
  t1=$(now_ms)
  echo $((t1 - t0))
}

step "building the test systems"
sys1=$(build boot-1.nix)
sys2=$(build boot-2.nix)
sys3=$(build boot-3.nix)
echo "sys1=$sys1"; echo "sys2=$sys2"; echo "sys3=$sys3"
[ -e "$sys1/services/unwanted" ] && fail "a service nobody wants got a unit"
expect_eq "nixlxc.json from extraSystemBuilderCmds" "$(cat "$sys1/nixlxc.json")" '{"test":true}'
expect_eq "unchanged service keeps its unit path" "$(readlink "$sys1/services/setup")" "$(readlink "$sys2/services/setup")"
[ "$(readlink "$sys1/services/ticker")" != "$(readlink "$sys2/services/ticker")" ] || fail "changed service kept its unit path"

step "container setup"
mkdir -p "$C/rootfs" "$C/profiles" "$C/run"
chmod 755 "$C"
chown 100000:100000 "$C/rootfs" "$C/run"
set_profile "$sys1"
cat > "$C/config" <<EOF
lxc.uts.name = t1
lxc.rootfs.path = dir:$C/rootfs
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.tty.dir = lxc
lxc.pty.max = 1024
lxc.tty.max = 4
lxc.autodev = 1
lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed:force
lxc.mount.entry = /nix/store nix/store none ro,bind,create=dir 0 0
lxc.mount.entry = $C/profiles nix/var/nix/profiles none ro,bind,create=dir 0 0
lxc.mount.entry = tmpfs run tmpfs rw,nosuid,nodev,mode=0755,create=dir 0 0
lxc.mount.entry = $C/run run/nixlxc none rw,bind,create=dir 0 0
lxc.init.cmd = /nix/var/nix/profiles/system/init
lxc.net.0.type = empty
lxc.console.logfile = $C/console.log
lxc.log.file = $C/lxc.log
lxc.log.level = WARN
EOF

step "first boot (empty rootfs)"
ms=$(boot)
echo "booted after $ms ms"
expect_eq "booted names the toplevel" "$(cat "$C/run/booted")" "$sys1"
expect_eq "is-system-running" "$(at systemctl is-system-running)" running
expect_eq "current" "$(cat "$C/run/current")" "$sys1"
pid1=$(init_pid)
expect_eq "init runs as host uid 100000" "$(stat -c %u "/proc/$pid1")" 100000
expect_eq "/etc/hostname" "$(at cat /etc/hostname)" t1
expect_eq "sw/bin/sh via lxc-attach" "$(at /run/current-system/sw/bin/sh -c 'echo works')" works
expect_eq "/bin/sh" "$(at /bin/sh -c 'echo works')" works
expect_eq "systemPackages in sw" "$(at hello)" "Hello, world!"
expect_eq "/etc/resolv.conf" "$(at grep nameserver /etc/resolv.conf)" "nameserver 192.0.2.53"
expect_eq "environment.etc with a slash" "$(at cat /etc/standin-test/version)" one
expect_eq "/etc/passwd root" "$(at head -n 1 /etc/passwd)" "root:x:0:0:System administrator:/root:/run/current-system/sw/bin/sh"
at grep -q ' /dev/shm tmpfs ' /proc/mounts || fail "/dev/shm not mounted"
at grep -q ' /dev/pts devpts ' /proc/mounts || fail "/dev/pts not mounted"
pass "/dev/shm and /dev/pts mounted"
expect_eq "/root mode" "$(at stat -c %a /root)" 700
expect_eq "/tmp mode" "$(at stat -c %a /tmp)" 1777
wait_for 5 test -e "$C/rootfs/var/lib/ticker/marker" || fail "ticker marker missing"
m1=$(rootfs_file var/lib/ticker/marker); sleep 2.2; m2=$(rootfs_file var/lib/ticker/marker)
[ "$m1" != "$m2" ] || fail "ticker marker not updated ($m1)"
pass "simple service writes its marker every second"
expect_soon "oneshot ran once" booted rootfs_file var/lib/setup/boots
expect_soon "oneshot status" "done 0" svc_file setup.status
[ -e "$C/rootfs/var/lib/unwanted-ran" ] && fail "unwanted service ran"
at grep -q "tick one" /var/log/ticker.log || fail "service output not in /var/log/ticker.log"
pass "service log in /var/log"
# An orphan (its parent exits at once) is re-parented to init, which reaps it.
at sh -c 'sh -c "sleep 0.3 &"'
sleep 1
zombies=$(at sh -c 'cat /proc/[0-9]*/stat 2>/dev/null' | sed 's/.*) //' | awk '$1 == "Z"' | wc -l)
expect_eq "orphans reaped by init (zombies)" "$zombies" 0

step "a killed service is restarted"
old_pid=$(svc_file ticker.pid)
at kill -9 "$old_pid"
wait_for 5 sh -c "p=\$(lxc-attach -P '$D' -n t1 --clear-env -- /run/current-system/sw/bin/cat /run/nixlxc-services/ticker.pid); [ -n \"\$p\" ] && [ \"\$p\" != '$old_pid' ]" \
  || fail "ticker not restarted"
expect_eq "restarted ticker status" "$(svc_file ticker.status)" running

step "switch to the second system"
set_profile "$sys2"
ticker_pid=$(svc_file ticker.pid)
set +e
out=$(at "$sys2/bin/switch-to-configuration" switch 2>&1); rc=$?
set -e
echo "$out" | sed 's/^/    /'
expect_eq "switch exit code" "$rc" 0
expect_eq "init pid unchanged (no restart)" "$(init_pid)" "$pid1"
expect_eq "/run/current-system" "$(at readlink /run/current-system)" "$sys2"
expect_eq "current" "$(cat "$C/run/current")" "$sys2"
expect_eq "is-system-running" "$(at systemctl is-system-running)" running
expect_eq "/etc updated" "$(at cat /etc/standin-test/version)" two
echo "$out" | grep -q "stopping the following units: old, ticker" || fail "switch did not report stopping old, ticker"
echo "$out" | grep -q "starting the following units: added" || fail "switch did not report starting added"
[ "$(svc_file ticker.pid)" != "$ticker_pid" ] || fail "changed service was not restarted"
at grep -q "tick two" /var/log/ticker.log || wait_for 3 at grep -q "tick two" /var/log/ticker.log || fail "new ticker not running"
pass "changed service restarted with its new definition"
expect_eq "old ticker got SIGTERM" "$(rootfs_file var/lib/ticker/got-term | cut -d' ' -f2)" one
at sh -c 'ps -o args | grep -v grep | grep -q "sleep 100000"' && fail "removed service still running"
[ -z "$(svc_file old.status)" ] || fail "removed service left state behind"
pass "removed service stopped"
wait_for 3 test -e "$C/rootfs/var/lib/added-marker" || fail "added service not running"
pass "added service started"
expect_eq "unchanged oneshot not rerun" "$(rootfs_file var/lib/setup/boots)" booted

step "dry-activate changes nothing"
snap() { at sh -c 'readlink /run/current-system; cd /run/nixlxc-services && for f in *; do echo "$f $(cat $f)"; done'; }
before=$(snap)
set +e
out=$(at "$sys3/bin/switch-to-configuration" dry-activate 2>&1); rc=$?
set -e
echo "$out" | sed 's/^/    /'
expect_eq "dry-activate exit code" "$rc" 0
echo "$out" | grep -q "would start the following units: broken" || fail "dry-activate did not list broken"
expect_eq "state after dry-activate" "$(snap)" "$before"

step "a failing service makes switch exit 4"
set +e
out=$(at "$sys3/bin/switch-to-configuration" switch 2>&1); rc=$?
set -e
echo "$out" | sed 's/^/    /'
expect_eq "switch exit code" "$rc" 4
expect_eq "is-system-running" "$(at systemctl is-system-running)" degraded
expect_eq "failed units" "$(at systemctl list-units --failed)" "broken.service loaded failed failed broken.service"
echo "$out" | grep -q "the following units failed: broken" || fail "failed unit not named"

step "switch back; boot does nothing"
set +e
out=$(at "$sys2/bin/switch-to-configuration" switch 2>&1); rc=$?
set -e
expect_eq "switch back exit code" "$rc" 0
expect_eq "is-system-running" "$(at systemctl is-system-running)" running
at sh -c 'ps -o args | grep -v grep | grep -q "broken on purpose"' && fail "broken unit left running"
ticker_pid=$(svc_file ticker.pid)
set +e
out=$(at "$sys2/bin/switch-to-configuration" switch 2>&1); rc=$?
set -e
expect_eq "switch to the running system: exit code" "$rc" 0
echo "$out" | grep -q "the following units" && fail "switch to the running system touched units: $out"
expect_eq "switch to the running system: ticker untouched" "$(svc_file ticker.pid)" "$ticker_pid"
expect_eq "switch-to-configuration boot" "$(at "$sys2/bin/switch-to-configuration" boot >/dev/null 2>&1; echo $?)" 0

step "clean stop (SIGPWR)"
at sh -c 'echo kept > /root/persist'
t0=$(now_ms)
lxc-stop -P "$D" -n t1 || fail "lxc-stop failed"
took=$(($(now_ms) - t0))
expect_eq "state after lxc-stop" "$(state)" STOPPED
[ $took -lt 5000 ] || fail "lxc-stop took $took ms"
pass "lxc-stop took $took ms"
grep -q "got SIGPWR: poweroff" "$C/console.log" || fail "init did not log SIGPWR"
grep -q "poweroff: done" "$C/console.log" || fail "init did not finish its stop"
pass "init handled SIGPWR"
term=$(rootfs_file var/lib/ticker/got-term)
[ "${term#* }" = two ] && [ "${term% *}" -ge $((t0 / 1000 - 1)) ] || fail "ticker did not get SIGTERM at stop ($term)"
pass "services got SIGTERM"

step "restart: state persists"
ms2=$(boot)
echo "booted after $ms2 ms"
expect_eq "booted" "$(cat "$C/run/booted")" "$sys2"
expect_eq "/root persists" "$(at cat /root/persist)" kept
expect_soon "/var persists (oneshot ran again)" 2 boots

step "SIGINT reboots"
pid_before=$(init_pid)
rm -f "$C/run/booted"
lxc-stop -P "$D" -n t1 -r || true
wait_for 15 test -e "$C/run/booted" || fail "no booted file after reboot"
grep -q "got SIGINT: reboot" "$C/console.log" || fail "init did not log SIGINT"
[ "$(init_pid)" != "$pid_before" ] || fail "init pid unchanged after reboot"
expect_soon "oneshot ran on reboot" 3 boots
pass "rebooted"

step "SIGTERM stops cleanly too"
kill -TERM "$(init_pid)"
wait_for 10 sh -c "[ \"\$(lxc-info -P '$D' -n t1 -sH)\" = STOPPED ]" || fail "SIGTERM did not stop the container"
grep -q "got SIGTERM: poweroff" "$C/console.log" || fail "init did not log SIGTERM"
pass "SIGTERM: stopped"

echo
echo "boot-test: all checks passed (first boot to booted: ${ms} ms, second: ${ms2} ms)"

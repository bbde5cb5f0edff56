#!@busybox@/bin/sh
# supervise NAME UNITDIR: run one service of the nixlxc stand-in.
#
# The service runs in its own session and process group; its output is
# appended to /var/log/NAME.log (so is ours). State in /run/nixlxc-services:
#   NAME.status      running | exited <rc> | done 0 | failed <rc> | stopped
#   NAME.pid         the service's pid (= its process group)
#   NAME.supervisor  our pid (removed when we exit)
#   NAME.fails       non-zero exits since we started
# Restart policy (UNITDIR/restart): always | on-failure | on-success | no,
# after UNITDIR/restart-sec seconds. SIGTERM: stop the service (TERM to its
# group, KILL after 10 s) and exit.
. @tools@/lib/nixlxc.sh
export PATH=$bb

name=$1
unit=$2
pfx=$state_dir/$name

read_file "$unit/type"; type=${REPLY:-simple}
read_file "$unit/restart"; restart=${REPLY:-no}
read_file "$unit/restart-sec"; delay=${REPLY:-1}

mkdir -p "$state_dir" /var/log
exec </dev/null >>"/var/log/$name.log" 2>&1

note() { echo "[$(date '+%Y-%m-%d %H:%M:%S')] supervise $name: $*"; }

child=
sleeper=
stop() {
  trap '' TERM INT HUP
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
  if [ -n "$child" ]; then
    note "stopping (pid $child)"
    kill -TERM -- "-$child" 2>/dev/null
    now_cs; deadline=$((NOW + 1000))
    while group_alive "$child" && now_cs && [ $NOW -lt $deadline ]; do sleep 0.1; done
    if group_alive "$child"; then
      note "still running after 10 s, killing"
      kill -KILL -- "-$child" 2>/dev/null
    fi
    wait "$child" 2>/dev/null
  fi
  write_atomic "$pfx.status" stopped
  rm -f "$pfx.pid" "$pfx.supervisor"
  note "stopped"
  exit 0
}
trap stop TERM INT HUP

write_atomic "$pfx.supervisor" $$
fails=0
write_atomic "$pfx.fails" $fails

while :; do
  # A clean environment, like systemd gives; `run` sets PATH and the rest.
  setsid env -i HOME=/root USER=root LOGNAME=root "$unit/run" &
  child=$!
  write_atomic "$pfx.pid" "$child"
  write_atomic "$pfx.status" running
  note "started (pid $child)"

  wait "$child"
  rc=$?
  # Whatever the main process left behind in its group goes too.
  kill -TERM -- "-$child" 2>/dev/null
  child=
  rm -f "$pfx.pid"

  if [ $rc -ne 0 ]; then
    fails=$((fails + 1))
    write_atomic "$pfx.fails" $fails
    note "exited with status $rc"
  else
    note "exited successfully"
  fi

  if [ "$type" = oneshot ]; then
    if [ $rc -eq 0 ]; then write_atomic "$pfx.status" "done 0"
    else write_atomic "$pfx.status" "failed $rc"; fi
    break
  fi

  case "$restart" in
    always) again=1 ;;
    on-failure) again=$([ $rc -ne 0 ] && echo 1 || echo 0) ;;
    on-success) again=$([ $rc -eq 0 ] && echo 1 || echo 0) ;;
    *) again=0 ;;
  esac
  if [ $again = 0 ]; then
    if [ $rc -eq 0 ]; then write_atomic "$pfx.status" "exited 0"
    else write_atomic "$pfx.status" "failed $rc"; fi
    break
  fi
  write_atomic "$pfx.status" "exited $rc"
  sleep "$delay" &
  sleeper=$!
  wait $sleeper
  sleeper=
done
rm -f "$pfx.supervisor"

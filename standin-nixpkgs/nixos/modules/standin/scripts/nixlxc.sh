# Shell helpers shared by init, activate, supervise and
# switch-to-configuration of the nixlxc stand-in (sourced, busybox ash).
# Everything uses busybox by absolute path: PATH inside the container may
# be anything, and sw/bin may shadow applets.

bb=@busybox@/bin
supervise=@tools@/bin/supervise
state_dir=/run/nixlxc-services   # <unit>.{status,pid,supervisor,fails}
proto_dir=/run/nixlxc            # readiness protocol, shared with the host

# read_file FILE: first line of FILE in $REPLY (empty if missing). No fork.
read_file() {
  REPLY=
  { read -r REPLY < "$1"; } 2>/dev/null
  return 0
}

# write_atomic FILE CONTENT: readers see the old or the new file, never half.
write_atomic() {
  printf '%s\n' "$2" > "$1.tmp" && $bb/mv -f "$1.tmp" "$1"
}

# proto_write NAME CONTENT: a protocol file, only when nixlxc provides the
# directory (a container started by plain lxc-start has none).
proto_write() {
  [ -d "$proto_dir" ] || return 0
  write_atomic "$proto_dir/$1" "$2" 2>/dev/null || true
}

# now_cs: $NOW = seconds since boot in hundredths (for deadlines; no fork).
now_cs() {
  local up rest
  read -r up rest < /proc/uptime
  up=${up%.*}${up#*.}
  NOW=$((10#$up))
}

# proc_alive PID: the process exists and is not a zombie.
proc_alive() {
  local s
  case "$1" in ''|*[!0-9]*) return 1 ;; esac
  { read -r s < "/proc/$1/stat"; } 2>/dev/null || return 1
  s=${s##*) }
  case "$s" in Z*|X*|'') return 1 ;; esac
  return 0
}

# group_alive PGID: a live process is left in process group PGID.
group_alive() {
  local f s
  for f in /proc/[0-9]*/stat; do
    { read -r s < "$f"; } 2>/dev/null || continue
    s=${s##*) }
    set -- "$1" $s
    [ "$4" = "$1" ] || continue
    case "$2" in Z|X) continue ;; esac
    return 0
  done
  return 1
}

# start_unit NAME UNITDIR: start a supervisor for the unit, detached (own
# session, no inherited stdio: callers' pipes must not stay open).
start_unit() {
  $bb/setsid "$supervise" "$1" "$2" </dev/null >/dev/null 2>&1 &
}

# stop_units NAME...: TERM the units' supervisors (each stops its service's
# process group, with SIGKILL after 10 s), wait for them; after 11 s in
# total, KILL whatever is left (a hung supervisor).
stop_units() {
  local n alive deadline
  now_cs; deadline=$((NOW + 1100))
  for n in "$@"; do
    read_file "$state_dir/$n.supervisor"
    if proc_alive "$REPLY"; then
      $bb/kill -TERM "$REPLY" 2>/dev/null
    else
      # No supervisor (killed?): stop a service group it may have left.
      read_file "$state_dir/$n.pid"
      [ -n "$REPLY" ] && $bb/kill -KILL -- "-$REPLY" 2>/dev/null
    fi
  done
  while now_cs; [ $NOW -lt $deadline ]; do
    alive=0
    for n in "$@"; do
      read_file "$state_dir/$n.supervisor"
      proc_alive "$REPLY" && { alive=1; break; }
    done
    [ $alive = 0 ] && return 0
    $bb/sleep 0.1
  done
  for n in "$@"; do
    read_file "$state_dir/$n.pid"
    [ -n "$REPLY" ] && $bb/kill -KILL -- "-$REPLY" 2>/dev/null
    read_file "$state_dir/$n.supervisor"
    proc_alive "$REPLY" && $bb/kill -KILL "$REPLY" 2>/dev/null
    $bb/rm -f "$state_dir/$n.supervisor" "$state_dir/$n.pid"
  done
  return 0
}

# unit_failed NAME FRESH: is the unit failed? A unit is failed when its
# service exited non-zero (and is not running again), or it should be
# running and its supervisor is gone. FRESH=1 (unit just started): any
# failure since the start counts, even if a restart already happened.
unit_failed() {
  read_file "$state_dir/$1.status"
  case "$REPLY" in
    'done 0'|'exited 0') ;;
    running)
      read_file "$state_dir/$1.supervisor"
      proc_alive "$REPLY" || return 0
      ;;
    *) return 0 ;;
  esac
  if [ "$2" = 1 ]; then
    read_file "$state_dir/$1.fails"
    [ "${REPLY:-0}" -gt 0 ] 2>/dev/null && return 0
  fi
  return 1
}

# check_health TOPLEVEL FRESHUNITS: check every unit of TOPLEVEL, set
# $failed_units (space-separated) and write the protocol's `health` file.
check_health() {
  local top="$1" fresh=" $2 " u n f
  failed_units=
  for u in "$top"/services/*; do
    [ -e "$u" ] || continue
    n=${u##*/}
    case "$fresh" in *" $n "*) f=1 ;; *) f=0 ;; esac
    unit_failed "$n" $f && failed_units="$failed_units $n"
  done
  failed_units=${failed_units# }
  if [ -z "$failed_units" ]; then
    proto_write health "ok $top"
  else
    proto_write health "failed $top $failed_units"
  fi
}

# unit_names TOPLEVEL: the names of its units, space-separated.
unit_names() {
  local u names=
  for u in "$1"/services/*; do
    [ -e "$u" ] && names="$names ${u##*/}"
  done
  echo "${names# }"
}

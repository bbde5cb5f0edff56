# Shell helpers shared by the busybox init, supervise, its
# switch-to-configuration and systemctl stand-in (sourced, busybox ash).
# Everything uses busybox by absolute path: PATH inside the container may
# be anything, and sw/bin may shadow applets.

bb=@busybox@/bin
supervise=@tools@/bin/supervise
state_dir=/run/nixlxc-services   # <unit>.{status,pid,supervisor,fails}, .booted

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

# unit_failed NAME: is the unit failed? It is when its service exited
# non-zero (and is not running again), or it should be running and its
# supervisor is gone.
unit_failed() {
  read_file "$state_dir/$1.status"
  case "$REPLY" in
    'done 0'|'exited 0') return 1 ;;
    running)
      read_file "$state_dir/$1.supervisor"
      proc_alive "$REPLY" && return 1
      return 0
      ;;
  esac
  return 0
}

# unit_names TOPLEVEL: the names of its units, space-separated.
unit_names() {
  local u names=
  for u in "$1"/services/*; do
    [ -e "$u" ] && names="$names ${u##*/}"
  done
  echo "${names# }"
}

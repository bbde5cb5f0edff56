#!@busybox@/bin/sh
# switch-to-configuration ACTION for the stand-in system @out@ booted with
# the busybox init. Run inside the running container, as root.
#   switch, test   activate this system now (the same thing in a container)
#   boot           nothing to do: the profile link decides what boots
#   dry-activate   print which units would be stopped/restarted/started
# Exit: 0 ok, 4 some units failed, 2 the activation failed, 100 the running
# system's init is of another kind (as NixOS), 1 other errors.
# Progress goes to stderr, as with NixOS.
new=@out@
. @tools@/lib/nixlxc.sh
export PATH=$bb

usage() { echo "Usage: switch-to-configuration [switch|boot|test|dry-activate]" >&2; exit 1; }
say() { echo "$*" >&2; }
list() { echo "$*" | sed 's/ /, /g'; }

action=$1
case "$action" in
  switch|test|dry-activate) ;;
  boot) say "switch-to-configuration boot: nothing to do in a nixlxc container (the next start boots the system profile)"; exit 0 ;;
  *) usage ;;
esac
[ "$(id -u)" = 0 ] || { say "switch-to-configuration: must be run as root"; exit 1; }
[ -x "$new/activate" ] || { say "switch-to-configuration: $new is not a system"; exit 1; }

old=$(readlink /run/current-system 2>/dev/null)
if [ "$(cat /run/current-system/init-interface-version 2>/dev/null)" != "$(cat "$new/init-interface-version")" ]; then
  say "Warning: the new configuration has an init that is incompatible with the"
  say "current one; it won't take effect until you restart the container."
  exit 100
fi

# Units are compared by store path: a unit whose definition changed has a
# new path and is restarted.
to_stop=; to_restart=; to_start=
if [ -n "$old" ] && [ -d "$old/services" ]; then
  for n in $(unit_names "$old"); do
    if [ ! -e "$new/services/$n" ]; then to_stop="$to_stop $n"
    elif [ "$(readlink "$old/services/$n")" != "$(readlink "$new/services/$n")" ]; then to_restart="$to_restart $n"
    fi
  done
fi
for n in $(unit_names "$new"); do
  if [ -z "$old" ] || [ ! -e "$old/services/$n" ]; then to_start="$to_start $n"; fi
done
to_stop=${to_stop# }; to_restart=${to_restart# }; to_start=${to_start# }

if [ "$action" = dry-activate ]; then
  [ -n "$to_stop" ] && say "would stop the following units: $(list $to_stop)"
  say "would activate the configuration..."
  [ -n "$to_restart" ] && say "would restart the following units: $(list $to_restart)"
  [ -n "$to_start" ] && say "would start the following units: $(list $to_start)"
  exit 0
fi

# One switch at a time (busybox has no flock: a lock directory with a pid).
lock=/run/nixlxc-switch.lock
if ! mkdir "$lock" 2>/dev/null; then
  read_file "$lock/pid"
  if proc_alive "$REPLY"; then say "switch-to-configuration: another switch (pid $REPLY) is running"; exit 1; fi
  rm -rf "$lock"
  mkdir "$lock" || { say "switch-to-configuration: cannot create $lock"; exit 1; }
fi
echo $$ > "$lock/pid"
trap 'rm -rf "$lock"' EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$state_dir"
if [ -n "$to_stop$to_restart" ]; then
  say "stopping the following units: $(list $to_stop $to_restart)"
  stop_units $to_stop $to_restart
  for n in $to_stop; do rm -f "$state_dir/$n".*; done
fi

say "activating the configuration..."
activation_failed=0
"$new/activate" "$new" || { say "Failed to run activate script"; activation_failed=1; }

[ -n "$to_restart" ] && say "restarting the following units: $(list $to_restart)"
[ -n "$to_start" ] && say "starting the following units: $(list $to_start)"
for n in $to_restart $to_start; do start_unit "$n" "$new/services/$n"; done

# Settle, then check every unit of the new system.
[ -n "$to_restart$to_start" ] && sleep 1
failed_units=
for n in $(unit_names "$new"); do
  unit_failed "$n" && failed_units="$failed_units $n"
done
failed_units=${failed_units# }

if [ -n "$failed_units" ]; then
  say "warning: the following units failed: $(list $failed_units)"
  for n in $failed_units; do
    read_file "$state_dir/$n.status"
    say ""
    say "× $n: ${REPLY:-not started}; last lines of /var/log/$n.log:"
    tail -n 5 "/var/log/$n.log" 2>/dev/null | sed 's/^/    /' >&2
  done
fi
[ $activation_failed = 1 ] && exit 2
[ -n "$failed_units" ] && exit 4
exit 0

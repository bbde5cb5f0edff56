#!@busybox@/bin/sh
# switch-to-configuration ACTION for the stand-in system @out@, booted with
# systemd: nixpkgs' switch-to-configuration-ng in busybox sh, talking to
# the running systemd with systemctl instead of D-Bus (the stand-in has no
# D-Bus). What it compares and does, and its exit codes, are NixOS's:
#
#   switch, test   stop the units that are gone or changed, activate, re-exec
#                  systemd if it or system.conf changed, reset failed units,
#                  daemon-reload, then reload, restart and start what changed
#                  (active targets are started again, which starts new units
#                  they want) and report the units that failed
#   boot           nothing to do in a container (no boot loader); exit 0
#   check          no pre-switch checks; exit 0
#   dry-activate   print what switch would do, change nothing
#
# Exit: 0 ok; 1 bad usage, not root, not this kind of system, another switch
# running; 2 the activation script failed; 4 a unit failed or a job for one
# failed; 100 the running system's init is of another kind (a reboot is
# needed). Progress goes to stderr.
toplevel=@out@
new_systemd=@systemd@
distro_id=@distroId@
awkprog=@tools@/lib/unit-info.awk
export PATH=@busybox@/bin
export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0
systemctl=$new_systemd/bin/systemctl

say() { echo "$*" >&2; }

usage() {
  say "Usage: switch-to-configuration [check|switch|boot|test|dry-activate]
check:        run pre-switch checks and exit
switch:       make the configuration the boot default and activate now
boot:         make the configuration the boot default
test:         activate the configuration, but don't make it the boot default
dry-activate: show what would be done if this configuration were activated"
  exit 1
}

action=$1
case "$action" in
  switch|boot|test|dry-activate|check) ;;
  *) usage ;;
esac
[ "$(id -u)" = 0 ] || { say "switch-to-configuration must be run as the root user"; exit 1; }
export NIXOS_ACTION=$action

# This is a system of this kind if it has /etc/NIXOS or its os-release says so.
id=$(sed -n 's/^ID=//p' /etc/os-release 2>/dev/null | tr -d '"')
if [ ! -f /etc/NIXOS ] && [ "$id" != "$distro_id" ]; then
  say "This is not a NixOS installation!"
  exit 1
fi

mkdir -p /run/nixos
chmod 0755 /run/nixos
# One switch at a time (busybox has no flock: a lock directory with a pid).
lock=/run/nixos/switch-to-configuration.lock.d
if ! mkdir "$lock" 2>/dev/null; then
  holder=$(cat "$lock/pid" 2>/dev/null)
  if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then
    say "Could not acquire lock"
    exit 1
  fi
  rm -rf "$lock"
  mkdir "$lock" || { say "Could not acquire lock"; exit 1; }
fi
echo $$ > "$lock/pid"
trap 'rm -rf "$lock"' EXIT
trap 'exit 1' INT TERM HUP

[ "$action" = check ] && exit 0
# A container has no boot loader: the container manager's profile decides
# what boots.
sync
[ "$action" = boot ] && exit 0

current_iv=$(cat /run/current-system/init-interface-version 2>/dev/null)
new_iv=$(cat "$toplevel/init-interface-version")
if [ "$current_iv" != "$new_iv" ]; then
  say "Warning: the new NixOS configuration has an ‘init’ that is
incompatible with the current configuration.  The new configuration
won't take effect until you reboot the system.
"
  exit 100
fi

# ------------------------------------------------------------------ sets
# Space-separated unit names; unit names contain no spaces.
has() { case " $(eval echo "\$$1") " in *" $2 "*) return 0 ;; esac; return 1; }
add() { has "$1" "$2" || eval "$1=\"\$$1 $2\""; }
del() {
  local out= u
  for u in $(eval echo "\$$1"); do [ "$u" = "$2" ] || out="$out $u"; done
  eval "$1=\"\$out\""
}
# The sorted, comma-separated list of a set, less the units in $filter.
show() {
  local u
  for u in $(eval echo "\$$1"); do has filter "$u" || echo "$u"; done | sort -f | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/, /g'
}

# Interrupted switches recorded what was still to do.
record() { [ "$action" = dry-activate ] || echo "$2" >> "/run/nixos/$1-list"; }
unrecord() {
  [ "$action" = dry-activate ] || [ ! -e "/run/nixos/$1-list" ] && return 0
  grep -vxF "$2" "/run/nixos/$1-list" > "/run/nixos/$1-list.tmp"
  mv -f "/run/nixos/$1-list.tmp" "/run/nixos/$1-list"
}
from_list() { cat "/run/nixos/$1-list" 2>/dev/null | tr '\n' ' '; }

to_stop=; to_skip=; filter=
to_start=$(from_list start)
to_restart=$(from_list restart)
to_reload=$(from_list reload)

# ----------------------------------------------------------------- units

# active_units: "unit state substate" of every unit not inactive.
active_units() {
  "$systemctl" list-units --all --full --plain --no-legend --no-pager 2>/dev/null |
    awk '$3 != "inactive" && $3 != "" { print $1, $3, $4 }'
}

# unit_info UNITFILE BASEFILE: the unit with its drop-ins (unit-info.awk).
unit_info() {
  local files=$2 d
  for d in "$2".d/*.conf; do [ -e "$d" ] && files="$files $d"; done
  if [ "$1" != "$2" ]; then
    for d in "$1".d/*.conf; do [ -e "$d" ] && files="$files $d"; done
  fi
  awk -f "$awkprog" $files
}

# info_bool INFO SECTION KEY DEFAULT: a boolean of a parsed unit.
info_bool() {
  local v
  v=$(printf '%s\n' "$1" | awk -F '\t' -v s="$2" -v k="$3" '$1 == s && $2 == k { n = split($3, a, "\036"); v = a[n] } END { print v }')
  case "$v" in
    1|yes|true|on) return 0 ;;
    '') [ "$4" = true ] ;;
    *) return 1 ;;
  esac
}

# info_values INFO SECTION KEY: all values of a key, space-separated.
info_values() {
  printf '%s\n' "$1" | awk -F '\t' -v s="$2" -v k="$3" '$1 == s && $2 == k { gsub("\036", " ", $3); print $3 }'
}

# compare CURRENTINFO NEWINFO: equal, reload or restart (compare_units).
compare() {
  local ignore='^Unit\t(Description|Documentation|OnFailure|OnSuccess|OnFailureJobMode|IgnoreOnIsolate|StopWhenUnneeded|RefuseManualStart|RefuseManualStop|AllowIsolate|CollectMode|SourcePath)\t'
  local reloadkeys='^(Unit\tX-Reload-Triggers|Mount\tOptions)\t'
  local a b
  a=$(printf '%s\n' "$1" | grep -Ev "$(printf "$ignore")" | grep -Ev "$(printf "$reloadkeys")" | sort)
  b=$(printf '%s\n' "$2" | grep -Ev "$(printf "$ignore")" | grep -Ev "$(printf "$reloadkeys")" | sort)
  [ "$a" = "$b" ] || { echo restart; return; }
  a=$(printf '%s\n' "$1" | grep -E "$(printf "$reloadkeys")" | sort)
  b=$(printf '%s\n' "$2" | grep -E "$(printf "$reloadkeys")" | sort)
  [ "$a" = "$b" ] && echo equal || echo reload
}

# handle_modified UNIT BASENAME NEWFILE NEWBASEFILE [restart]: what to do
# with a changed unit (handle_modified_unit). With "restart", the unit is
# restarted rather than stopped and started (activation asked for it).
handle_modified() {
  local unit=$1 base_name=$2 info sockets s socket_activated=0 stop_set=to_stop start_set=to_start
  if [ "$5" = restart ]; then stop_set=to_restart; start_set=to_restart; fi
  case "$unit" in
    sysinit.target|basic.target|multi-user.target|graphical.target|*.unit|*.slice) return ;;
    -.mount|nix.mount) add to_reload "$unit"; record reload "$unit"; return ;;
    *.mount) add to_restart "$unit"; record restart "$unit"; return ;;
    *.socket|systemd-nspawn@*) return ;;
  esac
  info=$(unit_info "$3" "$4")
  if info_bool "$info" Service X-ReloadIfChanged false && ! has to_restart "$unit" && ! has $stop_set "$unit"; then
    add to_reload "$unit"; record reload "$unit"
  elif ! info_bool "$info" Service X-RestartIfChanged true || info_bool "$info" Unit RefuseManualStop false \
      || info_bool "$info" Unit X-OnlyManualStart false; then
    add to_skip "$unit"
  elif ! info_bool "$info" Service X-StopIfChanged true || [ "${unit%.service}" = "$unit" ]; then
    # It doesn't make sense to stop and start non-services: they cannot
    # have ExecStop=.
    add to_restart "$unit"; record restart "$unit"
    if has to_reload "$unit"; then del to_reload "$unit"; unrecord reload "$unit"; fi
  else
    # A socket-activated service: its sockets are stopped and started
    # instead of the service.
    sockets=$(info_values "$info" Service Sockets)
    [ -n "$sockets" ] || sockets=$base_name.socket
    for s in $sockets; do
      if has active "$s"; then
        add $stop_set "$s"
        if [ -e "$toplevel/etc/systemd/system/$s" ]; then
          add $start_set "$s"; record "${start_set#to_}" "$s"
          socket_activated=1
        fi
        if has to_reload "$unit"; then del to_reload "$unit"; unrecord reload "$unit"; fi
      fi
    done
    info_bool "$info" Service X-NotSocketActivated false && socket_activated=0
    if [ $socket_activated = 0 ]; then
      add $start_set "$unit"; record "${start_set#to_}" "$unit"
    fi
    add $stop_set "$unit"
    if has to_reload "$unit"; then del to_reload "$unit"; unrecord reload "$unit"; fi
  fi
}

# base UNIT: "UNITFILE-IN-CURRENT BASEFILE-IN-CURRENT BASEFILE-IN-NEW BASENAME":
# a template instance without a file of its own uses the template's.
base() {
  local unit=$1 base=$1 t i
  case "$unit" in
    *@*.*)
      if [ ! -e "/etc/systemd/system/$unit" ] && [ ! -e "$toplevel/etc/systemd/system/$unit" ]; then
        t=${unit%%@*}; i=${unit#*@}; base="$t@.${i#*.}"
      fi ;;
  esac
  echo "/etc/systemd/system/$base $toplevel/etc/systemd/system/$base ${base%.*}"
}

active_list=$(active_units)
active=$(printf '%s\n' "$active_list" | awk '{ print $1 }' | tr '\n' ' ')

# (A here-document, not a pipe: the sets are variables of this shell.)
while read -r unit state _sub; do
  [ -n "$unit" ] || continue
  case "$state" in active|activating) ;; *) continue ;; esac
  set -- $(base "$unit")
  cur_base=$1 new_base=$2 base_name=$3
  cur_file=/etc/systemd/system/$unit new_file=$toplevel/etc/systemd/system/$unit
  [ -e "$cur_base" ] || continue
  if [ ! -e "$new_base" ] || [ "$(readlink -f "$new_base")" = /dev/null ]; then
    info=$(unit_info "$cur_file" "$cur_base")
    info_bool "$info" Unit X-StopOnRemoval true && add to_stop "$unit"
  elif [ "${unit%.target}" != "$unit" ]; then
    info=$(unit_info "$new_file" "$new_base")
    # Active targets are started again below, which starts the units they
    # now want; not shown, they are always there.
    case "$unit" in suspend.target|hibernate.target|hybrid-sleep.target) ;; *)
      if ! info_bool "$info" Unit RefuseManualStart false && ! info_bool "$info" Unit X-OnlyManualStart false; then
        add to_start "$unit"; record start "$unit"
        [ "$STC_DISPLAY_ALL_UNITS" = 1 ] || add filter "$unit"
      fi ;;
    esac
    info_bool "$info" Unit X-StopOnReconfiguration false && add to_stop "$unit"
  else
    cur_info=$(unit_info "$cur_file" "$cur_base")
    new_info=$(unit_info "$new_file" "$new_base")
    case "$(compare "$cur_info" "$new_info")" in
      restart) handle_modified "$unit" "$base_name" "$new_file" "$new_base" ;;
      reload) has to_restart "$unit" || { add to_reload "$unit"; record reload "$unit"; } ;;
    esac
  fi
done <<EOF
$active_list
EOF

# Should systemd re-exec itself? (Compared before activation changes /etc.)
restart_systemd=0
[ "$(readlink -f /proc/1/exe)" = "$(readlink -f "$new_systemd/lib/systemd/systemd")" ] || restart_systemd=1
[ "$(readlink -f /etc/systemd/system.conf)" = "$(readlink -f "$toplevel/etc/systemd/system.conf")" ] || restart_systemd=1

# activation_requests FILE SET: units activation asked to restart (or
# reload) through /run/nixos/(dry-)activation-restart-list.
activation_restarts() {
  local unit
  for unit in $(cat "$1" 2>/dev/null); do
    if ! has active "$unit"; then
      add to_start "$unit"; record start "$unit"; continue
    fi
    set -- $(base "$unit")
    handle_modified "$unit" "$3" "$toplevel/etc/systemd/system/$unit" "$2" restart
  done
  rm -f "$1"
}
activation_reloads() {
  local unit
  for unit in $(cat "$1" 2>/dev/null); do
    if has active "$unit" && ! has to_restart "$unit" && ! has to_stop "$unit"; then
      add to_reload "$unit"; record reload "$unit"
    fi
  done
  rm -f "$1"
}

if [ "$action" = dry-activate ]; then
  [ -n "$(show to_stop)" ] && say "would stop the following units: $(show to_stop)"
  [ -n "$to_skip" ] && say "would NOT stop the following changed units: $(show to_skip)"
  say "would activate the configuration..."
  "$toplevel/dry-activate" "$toplevel"
  activation_restarts /run/nixos/dry-activation-restart-list
  activation_reloads /run/nixos/dry-activation-reload-list
  [ $restart_systemd = 1 ] && say "would restart systemd"
  [ -n "$to_reload" ] && say "would reload the following units: $(show to_reload)"
  [ -n "$to_restart" ] && say "would restart the following units: $(show to_restart)"
  [ -n "$(show to_start)" ] && say "would start the following units: $(show to_start)"
  exit 0
fi

logger -t nixos "switching to system configuration $toplevel" 2>/dev/null

if [ -n "$to_stop" ]; then
  [ -n "$(show to_stop)" ] && say "stopping the following units: $(show to_stop)"
  "$systemctl" stop $to_stop
fi
[ -n "$to_skip" ] && say "NOT restarting the following changed units: $(show to_skip)"

exit_code=0

# Activate the new configuration (i.e., update /etc, make accounts, and so on).
say "activating the configuration..."
if ! "$toplevel/activate" "$toplevel"; then
  say "Failed to run activate script"
  exit_code=2
fi

activation_restarts /run/nixos/activation-restart-list
activation_reloads /run/nixos/activation-reload-list

# Restart systemd if necessary, with the current version of systemd.
if [ $restart_systemd = 1 ]; then
  say "restarting systemd..."
  "$systemctl" daemon-reexec
fi

# Forget about previously failed services, and make systemd reload its units.
"$systemctl" reset-failed
"$systemctl" daemon-reload

say "restarting sysinit-reactivation.target"
if ! "$systemctl" restart sysinit-reactivation.target; then
  say "Failed to restart sysinit-reactivation.target"
  exit_code=4
fi

# Units to reload that are no longer active are started instead.
for unit in $to_reload; do
  case "$("$systemctl" show -p ActiveState --value "$unit" 2>/dev/null)" in active|activating) continue ;; esac
  info=$(unit_info "$toplevel/etc/systemd/system/$unit" "$toplevel/etc/systemd/system/$unit" 2>/dev/null)
  if ! info_bool "$info" Unit RefuseManualStart false || info_bool "$info" Unit X-OnlyManualStart false; then
    add to_start "$unit"; record start "$unit"
  fi
  del to_reload "$unit"; unrecord reload "$unit"
done

if [ -n "$to_reload" ]; then
  say "reloading the following units: $(show to_reload)"
  for unit in $to_reload; do
    "$systemctl" reload "$unit" || { say "Failed to reload $unit"; exit_code=4; }
  done
  rm -f /run/nixos/reload-list
fi

if [ -n "$to_restart" ]; then
  say "restarting the following units: $(show to_restart)"
  for unit in $to_restart; do
    "$systemctl" restart "$unit" || { say "Failed to restart $unit"; exit_code=4; }
  done
  rm -f /run/nixos/restart-list
fi

# Start all active targets, as well as changed units stopped above.
[ -n "$(show to_start)" ] && say "starting the following units: $(show to_start)"
if [ -n "$to_start" ]; then
  for unit in $to_start; do
    "$systemctl" start "$unit" || { say "Failed to start $unit"; exit_code=4; }
  done
fi
rm -f /run/nixos/start-list

# Let what was started settle (NixOS waits for D-Bus to be quiet for
# 250 ms), then report failed and new units.
sleep 0.25
failed=; new=
while read -r unit state sub; do
  [ -n "$unit" ] || continue
  if [ "$state" = failed ]; then
    add failed "$unit"; continue
  fi
  if [ "$sub" = auto-restart ] && [ "${unit%.service}" != "$unit" ]; then
    status=$("$systemctl" show -p ExecMainStatus --value "$unit" 2>/dev/null)
    if [ -n "$status" ] && [ "$status" != 0 ]; then add failed "$unit"; continue; fi
  fi
  case "$unit" in *.scope) continue ;; esac
  has active "$unit" || add new "$unit"
done <<EOF
$(active_units)
EOF
filter=
[ -n "$new" ] && say "the following new units were started: $(show new)"
if [ -n "$failed" ]; then
  say "warning: the following units failed: $(show failed)"
  "$systemctl" status --no-pager --full $failed >&2
  exit_code=4
fi

if [ $exit_code = 0 ]; then
  logger -t nixos "finished switching to system configuration $toplevel" 2>/dev/null
else
  logger -t nixos "switching to system configuration $toplevel failed (status $exit_code)" 2>/dev/null
fi
exit $exit_code

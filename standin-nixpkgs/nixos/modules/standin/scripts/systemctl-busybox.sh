#!@busybox@/bin/sh
# systemctl for the stand-in's busybox init: the two questions nixlxc asks
# a system (is-system-running, and list-units --failed), answered from the
# supervisor's state. Anything else is refused.
. @tools@/lib/nixlxc.sh
top=$(readlink /run/current-system)

failed_units() {
  local u
  for u in "$top"/services/*; do
    [ -e "$u" ] || continue
    unit_failed "${u##*/}" && echo "${u##*/}.service"
  done
}

case "$1" in
  is-system-running)
    if [ ! -e "$state_dir/.booted" ]; then echo starting; exit 1; fi
    if [ -n "$(failed_units)" ]; then echo degraded; exit 1; fi
    echo running
    ;;
  list-units|--failed)
    case " $* " in *" --failed "*|*" --state=failed "*) ;; *)
      echo "systemctl: the stand-in's busybox init lists only failed units (--failed)" >&2; exit 1 ;;
    esac
    for u in $(failed_units); do echo "$u loaded failed failed $u"; done
    ;;
  *)
    echo "systemctl: the stand-in's busybox init does not implement '$1' (boot with systemd for that)" >&2
    exit 1
    ;;
esac

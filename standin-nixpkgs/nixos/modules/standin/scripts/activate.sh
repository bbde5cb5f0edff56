#!@busybox@/bin/sh
# Activation script of @out@ (NixOS-like): make the container's / match
# this system. Run by init at boot and by switch-to-configuration.
sys=@out@
. @tools@/lib/nixlxc.sh
export PATH=$bb
umask 022

# The rootfs may be empty (first boot) or from an earlier boot.
mkdir -p /etc /bin /usr/bin /var/log /var/lib /var/empty /tmp /root /run /home
chmod 1777 /tmp
chmod 0700 /root
chmod 0555 /var/empty
[ -e /var/run ] || ln -s /run /var/run

# replace_link TARGET LINK: point LINK at TARGET atomically.
replace_link() {
  ln -sfn "$1" "$2.tmp" && mv -Tf "$2.tmp" "$2"
}

# /etc: /etc/static -> this system's etc; /etc/<path> -> /etc/static/<path>.
replace_link "$sys/etc" /etc/static
( cd "$sys/etc/" && find . -mindepth 1 \( -type f -o -type l \) ) | while IFS= read -r f; do
  f=${f#./}
  t=/etc/$f
  mkdir -p "${t%/*}"
  if [ -L "$t" ]; then
    case "$(readlink "$t")" in
      /etc/static/*) ;;
      *) mv -f "$t" "$t.bak" ;;
    esac
  elif [ -d "$t" ]; then
    echo "activate: warning: /etc/$f is a directory, not replacing it" >&2
    continue
  elif [ -e "$t" ]; then
    echo "activate: /etc/$f exists, moving it to /etc/$f.bak" >&2
    mv -f "$t" "$t.bak"
  fi
  replace_link "/etc/static/$f" "$t"
done
# Links into /etc/static whose file is gone from this system.
find /etc -type l | while IFS= read -r l; do
  case "$(readlink "$l")" in
    /etc/static/*) [ -e "$l" ] || rm -f "$l" ;;
  esac
done
[ -e /etc/mtab ] || ln -s /proc/mounts /etc/mtab

replace_link "$sys" /run/current-system
replace_link "$sys/sw/bin/sh" /bin/sh
replace_link "$sys/sw/bin/env" /usr/bin/env

[ -r "$sys/etc/hostname" ] && hostname -F "$sys/etc/hostname"

# system.activationScripts
export PATH="$bb:$sys/sw/bin"
@activationScripts@

proto_write current "$sys"
exit 0

#!@busybox@/bin/sh
# mountpoint [-q] DIR: util-linux's, which NixOS's activation uses and
# busybox lacks. Exit 0 if DIR is a mount point, 32 if not.
q=
[ "$1" = -q ] && { q=1; shift; }
p=$(cd "$1" 2>/dev/null && pwd -P) || {
  [ -n "$q" ] || echo "mountpoint: $1: No such file or directory" >&2
  exit 32
}
if @busybox@/bin/awk -v m="$p" '$5 == m { found = 1 } END { exit !found }' /proc/self/mountinfo; then
  [ -n "$q" ] || echo "$1 is a mountpoint"
  exit 0
fi
[ -n "$q" ] || echo "$1 is not a mountpoint"
exit 32

# setup-etc.sh ETC: the stand-in's setup-etc.pl (run by activation, busybox
# sh): /etc/static -> ETC, and /etc/<path> -> /etc/static/<path> for every
# file of ETC. A file in the way is kept as <path>.bak; links into
# /etc/static whose file is gone from ETC are removed.
etc=$1

# replace_link TARGET LINK: point LINK at TARGET atomically.
replace_link() {
  ln -sfn "$1" "$2.tmp" && mv -Tf "$2.tmp" "$2"
}

mkdir -p /etc
replace_link "$etc" /etc/static
( cd "$etc/" && find . -mindepth 1 \( -type f -o -type l \) ) | while IFS= read -r f; do
  f=${f#./}
  t=/etc/$f
  mkdir -p "${t%/*}"
  if [ -L "$t" ]; then
    case "$(readlink "$t")" in
      /etc/static/*) ;;
      *) mv -f "$t" "$t.bak" ;;
    esac
  elif [ -d "$t" ]; then
    echo "setup-etc: warning: /etc/$f is a directory, not replacing it" >&2
    continue
  elif [ -e "$t" ]; then
    echo "setup-etc: /etc/$f exists, moving it to /etc/$f.bak" >&2
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
exit 0

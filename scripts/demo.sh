#!/usr/bin/env bash
# The main job, end to end, on this host as root: set the host up, build
# nixlxc, then create a container from examples/webserver.nix with the
# stand-in nixpkgs, start it, reach it over the network, update it in place
# and roll it back, stop it and destroy it. The host's network is left as it
# was found.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
export PATH=/usr/local/go/bin:$PATH
# The stand-in's Nix settings, for this run only (scripts/test-nix.conf), after the
# caller's own.
NIX_CONFIG="${NIX_CONFIG:+$NIX_CONFIG
}$(grep -v '^#' scripts/test-nix.conf)"
export NIX_CONFIG
# On NixOS (untested here) the stand-in takes its static busybox from nixpkgs,
# and, without Debian's systemd to relocate, boots its busybox init.
if [ -e /etc/NIXOS ] && [ ! -e /usr/bin/busybox ] && [ -z "${NIXLXC_STANDIN_BUSYBOX_DIR:-}" ]; then
	NIXLXC_STANDIN_BUSYBOX_DIR=$(nix-build '<nixpkgs>' -A pkgsStatic.busybox --no-out-link)/bin
	export NIXLXC_STANDIN_BUSYBOX_DIR
fi
if [ -e /etc/NIXOS ] && [ ! -e /var/lib/dpkg/info/systemd.list ]; then
	export NIXLXC_STANDIN_INIT=${NIXLXC_STANDIN_INIT:-busybox}
fi
make -s build
nixlxc=$PWD/bin/nixlxc
# No nixpkgs offline: the stand-in builds a small NixOS-like system that
# boots real systemd (Debian's, relocated into the Nix store) with busybox
# as its userland. With a real nixpkgs on NIX_PATH you get real NixOS.
. scripts/standin-env.sh
NIX_PATH=$(standin_nix_path "$PWD")
export NIX_PATH
name=${DEMO_NAME:-demo}
lxcpath=${NIXLXC_STATE_DIR:-/var/lib/nixlxc}/lxc

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

# Tear the host network down at the end only if this demo set it up.
had_network=no
[ -e /sys/class/net/brNC-hostonly ] && had_network=yes
cleanup() {
	"$nixlxc" destroy --force "$name" >/dev/null 2>&1 || true
	if [ "$had_network" = no ] && [ -z "$("$nixlxc" list)" ]; then
		"$nixlxc" host teardown >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT

step "$nixlxc" create "$name" examples/webserver.nix
step "$nixlxc" start "$name"
step "$nixlxc" list
ip=$("$nixlxc" show-ip "$name")
step "$nixlxc" run "$name" -- sh -c 'echo "hostname: $(hostname)"; echo "uid map: $(cat /proc/self/uid_map)"'
step "$nixlxc" run "$name" -- systemctl is-system-running
step "$nixlxc" run "$name" -- systemctl status --no-pager --lines 0 httpd.service
step ps -o user,pid,cmd -p "$(lxc-info -P "$lxcpath" -n "$name" -p -H)"
step busybox ping -c 2 "$ip"
# A service counts as started when its process is; it listens a moment later.
for i in 1 2 3 4 5 6 7 8 9 10; do
	busybox wget -qO- "http://$ip/" >/dev/null 2>&1 && break
	sleep 0.2
done
step busybox wget -qO- "http://$ip/"
# An edited config: generation 2, switched to in place (the same init keeps
# running), then rolled back to generation 1, in place too.
edited=$(mktemp -d)
sed 's/Hello from/Hello again from/' examples/webserver.nix >"$edited/webserver.nix"
init=$(lxc-info -P "$lxcpath" -n "$name" -p -H)
step "$nixlxc" update "$name" "$edited/webserver.nix"
step busybox wget -qO- "http://$ip/"
step "$nixlxc" rollback "$name"
step "$nixlxc" list-generations "$name"
step busybox wget -qO- "http://$ip/"
rm -r "$edited"
if [ "$(lxc-info -P "$lxcpath" -n "$name" -p -H)" != "$init" ]; then
	echo "demo: $name restarted during the update or the rollback" >&2
	exit 1
fi
step "$nixlxc" run "$name" -- ping -c 1 10.101.0.1
step "$nixlxc" stop "$name"
step "$nixlxc" state "$name"
step "$nixlxc" destroy "$name"
trap - EXIT
cleanup
echo
echo "demo done: $name was created, booted with systemd, reached at $ip over brNC-hostonly, updated and rolled back in place (init $init throughout), stopped and destroyed"

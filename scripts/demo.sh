#!/usr/bin/env bash
# The main job, end to end, on this host as root: set the host up, build
# nixlxc, then create a container from examples/webserver.nix with the
# stand-in nixpkgs, start it, use it, stop it and destroy it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
export PATH=/usr/local/go/bin:$PATH
make -s build
nixlxc=$PWD/bin/nixlxc
# No nixpkgs offline: the stand-in builds a small NixOS-like system from
# busybox. With a real nixpkgs on NIX_PATH you get real NixOS instead.
export NIX_PATH=nixpkgs=$PWD/standin-nixpkgs
name=${DEMO_NAME:-demo}

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

cleanup() { "$nixlxc" destroy --force "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

step "$nixlxc" create "$name" examples/webserver.nix
step "$nixlxc" start "$name"
step "$nixlxc" list
step "$nixlxc" run "$name" -- sh -c 'echo "hostname: $(hostname)"; echo "uid map:"; cat /proc/self/uid_map'
step ps -o user,pid,cmd -p "$(lxc-info -P /var/lib/nixlxc/lxc -n "$name" -p -H)"
step "$nixlxc" stop "$name"
step "$nixlxc" state "$name"
step "$nixlxc" destroy "$name"
trap - EXIT
echo
echo "demo done: the container was created, started, used, stopped and destroyed"

#!/usr/bin/env bash
# Runs every test of nixlxc, as root on a Debian 12 (or NixOS) host: formatting
# and vet, unit tests with the race detector, end-to-end tests with real
# unprivileged containers (each in a network namespace of its own, so the
# host's network is never touched), and a short run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
export PATH=/usr/local/go/bin:$PATH
# On NixOS (untested here) the stand-in takes its static busybox from nixpkgs.
if [ -e /etc/NIXOS ] && [ ! -e /usr/bin/busybox ] && [ -z "${NIXLXC_STANDIN_BUSYBOX_DIR:-}" ]; then
	NIXLXC_STANDIN_BUSYBOX_DIR=$(nix-build '<nixpkgs>' -A pkgsStatic.busybox --no-out-link)/bin
	export NIXLXC_STANDIN_BUSYBOX_DIR
fi

echo "== gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "not gofmt'ed: $unformatted" >&2
	exit 1
fi
go vet ./...

echo "== go test -race (unit and end-to-end)"
go test -race -count=1 -timeout 80m ./...

echo "== fuzzing (${FUZZTIME:=10s} per target)"
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "-- $pkg $target"
		go test -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" "$pkg" >/dev/null
	done
done
echo "== all tests passed"

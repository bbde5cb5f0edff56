#!/usr/bin/env bash
# Runs every test of nixlxc, as root on a Debian 12 (or NixOS) host: formatting
# and vet, unit tests with the race detector, end-to-end tests with real
# unprivileged containers (each in a network namespace of its own, so the
# host's network is never touched), and a short run of every fuzz target.
# Each phase prints how long it took; a failure says which phase and why.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh --test-tools
export PATH=/usr/local/go/bin:$PATH
# Test-only Nix settings for this run (scripts/test-nix.conf), after the
# caller's own.
NIX_CONFIG="${NIX_CONFIG:+$NIX_CONFIG
}$(grep -v '^#' scripts/test-nix.conf)"
export NIX_CONFIG
# The tests of what the test tools check (zsh, fish, man, YAML) fail
# rather than skip when a tool is missing.
export NIXLXC_TEST_TOOLS=1
# On NixOS (untested here) the stand-in takes its static busybox from nixpkgs.
if [ -e /etc/NIXOS ] && [ ! -e /usr/bin/busybox ] && [ -z "${NIXLXC_STANDIN_BUSYBOX_DIR:-}" ]; then
	NIXLXC_STANDIN_BUSYBOX_DIR=$(nix-build '<nixpkgs>' -A pkgsStatic.busybox --no-out-link)/bin
	export NIXLXC_STANDIN_BUSYBOX_DIR
fi

phase_start=$SECONDS
phase() {
	if [ -n "${phase_name:-}" ]; then
		echo "   ($phase_name: $((SECONDS - phase_start)) s)"
	fi
	phase_name=$1
	phase_start=$SECONDS
	echo "== $1"
}
trap 'echo "== FAILED in phase: ${phase_name:-setup} (after $((SECONDS - phase_start)) s)" >&2' ERR

phase "gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "not gofmt'ed: $unformatted" >&2
	exit 1
fi
go vet ./...

# go.mod's go line (1.22) is what the code needs: the compiler holds the
# language to it and go vet (stdversion) the standard library. NixOS builds
# with nixpkgs' Go and GOTOOLCHAIN=local (nixos-25.05: Go 1.24), so build what
# `make build` builds and run the unit tests with that Go too; the Go module
# proxy serves the toolchain.
GO_NIXOS=${GO_NIXOS:-go1.24.4}
phase "$GO_NIXOS: build, vet, unit tests"
GOTOOLCHAIN=$GO_NIXOS go build -tags urfave_cli_no_docs -trimpath -o /dev/null ./cmd/nixlxc
GOTOOLCHAIN=$GO_NIXOS go vet ./...
GOTOOLCHAIN=$GO_NIXOS go test -count=1 $(go list ./... | grep -v '/tests$')

# The end-to-end tests mostly wait for containers: run more of them at once
# than there are cores.
phase "go test -race: unit tests"
go test -race -count=1 -timeout 20m $(go list ./... | grep -v '/tests$')
phase "go test -race: end-to-end tests (a race build of nixlxc)"
go test -race -count=1 -timeout 80m -parallel "${E2E_PARALLEL:-6}" ./tests

# Fuzz targets are found in the sources (no package is compiled to list
# them). A failing target's output is printed in full, and the input that
# broke it stays in the package's testdata/fuzz for `go test` to replay.
#
# Fuzzing runs on Go 1.27 (GO_FUZZ, fetched by the Go toolchain as
# GO_NIXOS is): up to Go 1.26, the fuzzing coordinator can fail a target
# with a bare "context deadline exceeded" and no input when -fuzztime ends
# while a worker is starved of CPU (go.dev/issue/75804, seen here on a
# loaded machine: execs at 0/sec for seconds, then that line); 1.27 takes
# the deadline for the normal end it is.
phase "fuzzing (${FUZZTIME:=10s} per target, ${GO_FUZZ:=go1.27.3})"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
git grep -l '^func Fuzz' -- '*_test.go' 2>/dev/null | while read -r file; do
	pkg=./$(dirname "$file")
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		echo "-- $pkg $target"
		if ! GOTOOLCHAIN=$GO_FUZZ go test -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
			cat "$log" >&2
			echo "fuzz target $target of $pkg failed; its input is in $pkg/testdata/fuzz/$target/ (replayed by go test $pkg)" >&2
			exit 1
		fi
	done
done
phase "done"
echo "== all tests passed"

#!/usr/bin/env bash
# Runs every benchmark figure of BENCHMARKS.md, as root, inside a private
# network namespace (the figures make bridges and start containers), and
# writes CSV reports to bench-results/. Pass figure names to run only some,
# and bench's flags before them:
#   bash scripts/bench.sh start network
#   bash scripts/bench.sh -before /path/to/old/nixlxc start run memory
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
export PATH=/usr/local/go/bin:$PATH
# The stand-in's Nix settings, for this run only (scripts/test-nix.conf).
NIX_CONFIG="${NIX_CONFIG:+$NIX_CONFIG
}$(grep -v '^#' scripts/test-nix.conf)"
export NIX_CONFIG
# strace counts the processes a start execs (figure 2); systemd-nspawn
# (Debian's systemd-container), nixos-container's engine, is the peer of
# figure 9. Only the benchmark needs them.
if [ ! -e /etc/NIXOS ]; then
	for tool in strace:strace systemd-nspawn:systemd-container; do
		if ! command -v "${tool%%:*}" >/dev/null; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${tool#*:}" >/dev/null
		fi
	done
fi
make -s build
go build -o bin/bench ./tests/bench
figures=${*:-all}

echo "== in-process: profile operations (nixlxc vs nix-env)"
go test -run '^$' -bench . -benchtime 2s ./generations

# shellcheck disable=SC2016
unshare --net --mount --propagation private -- /bin/sh -c '
set -e
mkdir -p /run/nixlxc-test-cgroup
mount --rbind /sys/fs/cgroup /run/nixlxc-test-cgroup
mount -t sysfs sysfs /sys
mount --rbind /run/nixlxc-test-cgroup /sys/fs/cgroup
ip link set lo up
exec "$@"' sh bin/bench -nixlxc bin/nixlxc -out bench-results $figures

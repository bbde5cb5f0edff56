#!/usr/bin/env bash
# Measures nixlxc apply (BENCHMARKS.md, "Declarative containers"), as root,
# in a private network namespace: for N declared containers (busybox init,
# autoStart), the first apply (N new: N builds, creates and starts), a
# second apply of the same file (N unchanged: a no-op), an apply that edits
# one container, and an apply of an empty declaration (N destroys). Each
# run's configurations hold a word of their own, so the first apply really
# builds. Writes bench-results/apply.csv (n,phase,ms) and prints it.
#   bash scripts/bench-apply.sh [N...]     (default: 10 25 50)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--inside" ]; then
	bash scripts/setup-host.sh >/dev/null
	export PATH=/usr/local/go/bin:$PATH
	make -s build
	mkdir -p bench-results
	exec unshare --net --mount --propagation private -- /bin/sh -c '
set -e
mkdir -p /run/nixlxc-test-cgroup
mount --rbind /sys/fs/cgroup /run/nixlxc-test-cgroup
mount -t sysfs sysfs /sys
mount --rbind /run/nixlxc-test-cgroup /sys/fs/cgroup
ip link set lo up
exec "$@"' sh bash "$0" --inside "$@"
fi
shift
sizes=${*:-10 25 50}
nixlxc=$PWD/bin/nixlxc
out=$PWD/bench-results/apply.csv
echo "n,phase,ms" >"$out"

ms() { date +%s%3N; }

for n in $sizes; do
	dir=$(mktemp -d /tmp/nixlxc-bench-apply-XXXXXX)
	chmod 755 "$dir"
	export NIXLXC_STATE_DIR=$dir/state NIXLXC_PROFILE_DIR=$dir/profiles NIXLXC_HOST_CONFIG=$dir/host.json
	export NIXLXC_CONFIG=$dir/config.json NIX_PATH=nixpkgs=$PWD/standin-nixpkgs NIXLXC_STANDIN_INIT=busybox
	run=$(basename "$dir")
	{
		echo "{"
		for i in $(seq 1 "$n"); do
			echo "  ba$i = { config = { ... }: { environment.etc.run.text = \"$run $i\"; }; autoStart = true; };"
		done
		echo "}"
	} >"$dir/containers.nix"
	phase() {
		local name=$1
		shift
		local t0 t1
		t0=$(ms)
		"$nixlxc" apply --parallel "${PARALLEL:-4}" "$@" >"$dir/$name.log" 2>&1 || { cat "$dir/$name.log"; exit 1; }
		t1=$(ms)
		echo "$n,$name,$((t1 - t0))" | tee -a "$out"
	}
	phase new "$dir/containers.nix"
	phase unchanged "$dir/containers.nix"
	phase unchanged-again "$dir/containers.nix"
	sed -i "s/\"$run 1\"/\"$run 1 edited\"/" "$dir/containers.nix"
	phase one-edited "$dir/containers.nix"
	echo "{ }" >"$dir/empty.nix"
	phase destroy-all "$dir/empty.nix"
	"$nixlxc" host teardown --force >/dev/null
	rm -rf "$dir"
done
echo "== $out"

# Sourced by the demo, test and benchmark scripts: NIX_PATH for the
# stand-in nixpkgs. nixlxc evaluates container files in Nix's restricted
# mode, where only the search path may be read; the stand-in copies the
# host's busybox and systemd into the store, so what it reads of the host
# (standin-nixpkgs/host-paths) goes on the search path beside it.
standin_nix_path() {
	local root=$1 p path="nixpkgs=$1/standin-nixpkgs"
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		path="$path:$p"
	done <"$root/standin-nixpkgs/host-paths"
	if [ -n "${NIXLXC_STANDIN_BUSYBOX_DIR:-}" ]; then
		path="$path:$NIXLXC_STANDIN_BUSYBOX_DIR"
	fi
	echo "$path"
}

// Package standin gives tests and benchmarks the NIX_PATH of the stand-in
// nixpkgs (standin-nixpkgs/): nixlxc evaluates container files in Nix's
// restricted mode, where only the search path may be read, and the
// stand-in copies the host's busybox and systemd into the store, so what
// it reads of the host (standin-nixpkgs/host-paths) goes on the search
// path beside it, as scripts/standin-env.sh does for the scripts.
package standin

import (
	"os"
	"path/filepath"
	"strings"
)

// NixPath is NIX_PATH for the stand-in in the repository at root.
func NixPath(root string) string {
	parts := []string{"nixpkgs=" + filepath.Join(root, "standin-nixpkgs")}
	data, _ := os.ReadFile(filepath.Join(root, "standin-nixpkgs", "host-paths"))
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			parts = append(parts, l)
		}
	}
	if d := os.Getenv("NIXLXC_STANDIN_BUSYBOX_DIR"); d != "" {
		parts = append(parts, d)
	}
	return strings.Join(parts, ":")
}

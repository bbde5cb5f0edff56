package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// lxcRootfsMountDirs are where distributions' LXC builds put their default
// lxc.rootfs.mount (LXC's rootfs-mount-path: <libdir>/lxc/rootfs). Debian's
// is the first.
var lxcRootfsMountDirs = []string{"/usr/lib/x86_64-linux-gnu/lxc", "/usr/lib/lxc", "/usr/lib64/lxc"}

// TestRootfsMountOwnDirectory: containers start on a host whose LXC build
// has no directory at its default lxc.rootfs.mount, as on NixOS (nixpkgs'
// LXC points it at /var/lib/lxc/rootfs, which only virtualisation.lxc
// creates). This test's mount namespace hides the host LXC's own directory;
// nixlxc renders lxc.rootfs.mount under its state directory and creates it,
// again when it has gone.
func TestRootfsMountOwnDirectory(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	for _, d := range lxcRootfsMountDirs {
		if _, err := os.Stat(filepath.Join(d, "rootfs")); err != nil {
			continue
		}
		// An empty tmpfs over it, in this test's mount namespace only.
		if err := unix.Mount("tmpfs", d, "tmpfs", 0, "mode=0755,size=64k"); err != nil {
			t.Fatalf("hiding %s: %v", d, err)
		}
		if _, err := os.Stat(filepath.Join(d, "rootfs")); err == nil {
			t.Fatalf("%s/rootfs is still there", d)
		}
	}

	h.must("create", "nhrootmnt", example("hello.nix"))
	mount := filepath.Join(h.stateDir, "rootfs-mount")
	config := readFile(t, filepath.Join(h.stateDir, "lxc", "nhrootmnt", "config"))
	if !strings.Contains(config, "\nlxc.rootfs.mount = "+mount+"\n") {
		t.Fatalf("the LXC config does not set lxc.rootfs.mount = %s:\n%s", mount, config)
	}
	h.must("start", "nhrootmnt")
	if got := strings.TrimSpace(h.must("run", "nhrootmnt", "--", "cat", "/etc/hostname")); got != "nhrootmnt" {
		t.Errorf("hostname inside = %q", got)
	}
	h.must("stop", "nhrootmnt")

	// A state directory whose rootfs-mount went missing gets it back.
	if err := os.Remove(mount); err != nil {
		t.Fatal(err)
	}
	h.must("start", "nhrootmnt")
	if st, err := os.Stat(mount); err != nil || !st.IsDir() {
		t.Errorf("%s after start: %v", mount, err)
	}
	h.must("destroy", "--force", "nhrootmnt")
}

package lxcconf

import (
	"fmt"
	"path"
	"strings"
)

// Boundary is what a container's bind mounts may not take from the host:
// the host's root, its kernel interfaces and device nodes, and the
// directories where nixlxc, Nix and other container managers keep every
// container's files. It checks paths only; whoever knows the host resolves
// symlinks and looks at what a path is.
type Boundary struct {
	// Protected are directories that a source may neither be inside of
	// nor contain, each with what it holds, for the error.
	Protected []ProtectedDir
	// Own are the targets of nixlxc's own bind mounts (the store, the
	// profile, the report directory), relative to the rootfs: a mount may
	// not go over, into or above one.
	Own []string
	// Allowed are the host directories the admin lets bind sources lie in
	// (host.json's bindMountSources), resolved: see Allows.
	Allowed []string
}

// ProtectedDir is a directory no bind mount may reach.
type ProtectedDir struct {
	Path string
	What string // "nixlxc's state directory (every container's files)"
}

// kernelDirs hold the host's kernel interfaces and device nodes.
var kernelDirs = []string{"/proc", "/sys", "/dev"}

// nixStore is shared read-only by the host and every container.
const nixStore = "/nix/store"

// within reports whether p is dir or inside it.
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// CheckSource checks a bind mount's host path.
func (b Boundary) CheckSource(src string, readOnly bool) error {
	if !strings.HasPrefix(src, "/") || path.Clean(src) != src {
		return fmt.Errorf("the host path %q must be absolute and clean", src)
	}
	if src == "/" {
		return fmt.Errorf("the host path / would show the whole host to the container")
	}
	for _, k := range kernelDirs {
		if within(src, k) {
			return fmt.Errorf("the host path %s is in %s: the host's kernel interfaces and devices stay outside containers", src, k)
		}
	}
	for _, p := range b.Protected {
		switch {
		case within(src, p.Path):
			return fmt.Errorf("the host path %s is inside %s, %s", src, p.Path, p.What)
		case within(p.Path, src):
			return fmt.Errorf("the host path %s contains %s, %s", src, p.Path, p.What)
		}
	}
	if !readOnly && within(src, nixStore) {
		return fmt.Errorf("the host path %s is in the Nix store, which the host and every container share: only read-only", src)
	}
	if !readOnly {
		if tree := systemTree(src); tree != "" {
			return fmt.Errorf("the host path %s %s: never read-write, whatever host.json allows (mount it read-only, or bind a directory of its own)", src, tree)
		}
	}
	return nil
}

// systemTrees hold what the host runs or trusts as root: its
// configuration, programs, libraries, kernel, Nix and root's home, the
// NixOS setuid wrappers and current system, systemd's units and state,
// NixOS' record of user ids, the spools root's daemons run from (cron,
// at), the package managers' state and caches (dpkg runs its maintainer
// scripts from /var/lib/dpkg), sudo's timestamps and what /opt installs.
// A read-write bind mount is id-mapped,
// so the container's root writes there as host root: one file (a
// systemd unit, /root/.bashrc, a setuid wrapper) and it is host root.
// No admin's allowlist re-opens them read-write: a broad entry (/, /var)
// must not hand them out by accident.
var systemTrees = []string{
	"/etc", "/root", "/boot", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/nix",
	"/run/wrappers", "/run/current-system", "/run/booted-system", "/run/systemd",
	"/var/lib/nixos", "/var/lib/systemd",
	"/var/spool", "/var/lib/dpkg", "/var/lib/apt", "/var/cache/apt", "/var/cache/debconf", "/var/lib/sudo", "/run/sudo", "/var/db/sudo", "/opt",
}

// systemTree says how a read-write source would reach a system tree ("is
// inside /etc, the host's own files", "contains /etc, ..."), or "". A
// home directory's dotfiles (~/.bashrc, ~/.ssh) count: whoever writes them
// runs as that user at her next login.
func systemTree(src string) string {
	for _, t := range systemTrees {
		switch {
		case src == t:
			return "is " + t + ", one of the host's system trees"
		case within(src, t):
			return "is inside " + t + ", one of the host's system trees"
		case within(t, src):
			return "contains " + t + ", one of the host's system trees"
		}
	}
	parts := strings.Split(strings.TrimPrefix(src, "/"), "/")
	if parts[0] == "home" {
		switch {
		case len(parts) <= 2:
			return "holds home directories' dotfiles (.bashrc, .ssh)"
		case strings.HasPrefix(parts[2], "."):
			return "is a home directory's dotfile (" + parts[2] + ")"
		}
	}
	return ""
}

// Allows says whether a bind source, resolved, lies in a directory the
// admin allowed (Allowed). A read-only one in the Nix store needs no
// entry: the store is world-readable and holds no secrets by design.
func (b Boundary) Allows(resolved string, readOnly bool) bool {
	if readOnly && within(resolved, nixStore) {
		return true
	}
	for _, dir := range b.Allowed {
		if within(resolved, dir) {
			return true
		}
	}
	return false
}

// CheckTarget checks a mount's target: inside the rootfs (see CheckTarget),
// and neither over nor above one of nixlxc's own mounts.
func (b Boundary) CheckTarget(target string) error {
	if err := CheckTarget(target); err != nil {
		return err
	}
	for _, own := range b.Own {
		if within(target, own) || within(own, target) {
			return fmt.Errorf("the mount target /%s would cover nixlxc's own mount at /%s", target, own)
		}
	}
	return nil
}

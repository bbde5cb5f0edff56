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
	return nil
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

package container

import (
	"fmt"
	"os"
	"path/filepath"
)

// A container's mapped root reaches its rootfs, its run directory and its
// profile through the host's directories: each one on the way must let
// others search it (x). A directory made by `mktemp -d` (0700) does not,
// and liblxc then fails with a bare "Permission denied".

// unreachable is the first directory on the way to path (path included)
// that others may not search, or "".
func unreachable(path string) (dir string, mode os.FileMode) {
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil && st.IsDir() && st.Mode().Perm()&0o001 == 0 {
			dir, mode = p, st.Mode().Perm()
		}
		if p == "/" || p == "." {
			return dir, mode
		}
	}
}

// checkReachable says what to change when the container's root cannot
// reach its files.
func (l layout) checkReachable() error {
	for _, p := range []struct{ what, path string }{
		{"state directory", l.lxcPath()},
		{"profile directory", l.profileDir},
	} {
		if dir, mode := unreachable(p.path); dir != "" {
			return fmt.Errorf("%w: containers' root cannot reach the %s %s: %s is mode %04o (chmod o+x %s)", ErrInvalid, p.what, p.path, dir, mode, dir)
		}
	}
	return nil
}

package rmtree

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/nixlxc/nixlxc/internal/mountinfo"
)

// MountsBelow lists the mount points at or below dir in this thread's
// mount namespace, from /proc/thread-self/mountinfo.
func MountsBelow(dir string) ([]string, error) {
	f, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("listing mounts: %w", err)
	}
	defer f.Close()
	return mountsBelow(f, filepath.Clean(dir))
}

func mountsBelow(r io.Reader, dir string) ([]string, error) {
	mounts, err := mountinfo.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("listing mounts: %w", err)
	}
	var out []string
	for _, m := range mounts {
		mp := m.MountPoint
		if mp == dir || strings.HasPrefix(mp, dir+"/") || dir == "/" {
			out = append(out, mp)
		}
	}
	return out, nil
}

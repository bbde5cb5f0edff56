package cgroups

import (
	"bufio"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nixlxc/nixlxc/internal/mountinfo"
)

// Membership is the cgroups a process is in: one directory per mounted
// hierarchy.
type Membership []string

func membership(cgroupFile, mountinfoFile io.Reader) (Membership, error) {
	mounts, err := mountinfo.Parse(mountinfoFile)
	if err != nil {
		return nil, err
	}
	var out Membership
	sc := bufio.NewScanner(cgroupFile)
	for sc.Scan() {
		// "4:memory:/user.slice", "1:name=systemd:/", "0::/init.scope"
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		controllers, path := parts[1], parts[2]
		for _, m := range mounts {
			if !matches(m, controllers) || !strings.HasPrefix(path, m.Root) {
				continue
			}
			out = append(out, filepath.Join(m.MountPoint, strings.TrimPrefix(path, m.Root)))
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func matches(m mountinfo.Mount, controllers string) bool {
	switch {
	case controllers == "":
		return m.FSType == "cgroup2"
	case m.FSType != "cgroup":
		return false
	}
	for _, c := range strings.Split(controllers, ",") {
		if !slices.Contains(m.SuperOptions, c) {
			return false
		}
	}
	return true
}

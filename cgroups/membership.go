package cgroups

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nixlxc/nixlxc/internal/mountinfo"
)

// Membership is the cgroups a process is in: one directory per mounted
// hierarchy.
type Membership []string

// Own is the calling process's membership.
//
// liblxc 5 moves the process that starts a container into the container's
// monitor cgroup (its "transient" process); a caller that goes on living
// (a failed start, several starts in one process) keeps that cgroup busy.
// Entering the membership taken before the start undoes that.
func Own() (Membership, error) {
	cg, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	defer cg.Close()
	mi, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer mi.Close()
	return membership(cg, mi)
}

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

// Enter moves process pid (all its threads) into every cgroup of m.
func (m Membership) Enter(pid int) error {
	for _, dir := range m {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
			return fmt.Errorf("entering cgroup %s: %w", dir, err)
		}
	}
	return nil
}

package cgroups

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

type cgroupMount struct {
	root, dir string
	v2        bool
	options   map[string]bool
}

func membership(cgroupFile, mountinfo io.Reader) (Membership, error) {
	var mounts []cgroupMount
	sc := bufio.NewScanner(mountinfo)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// "30 23 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory"
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 3 || (g[0] != "cgroup" && g[0] != "cgroup2") {
			continue
		}
		m := cgroupMount{root: unescapeOctal(f[3]), dir: unescapeOctal(f[4]), v2: g[0] == "cgroup2", options: map[string]bool{}}
		for _, o := range strings.Split(g[2], ",") {
			m.options[o] = true
		}
		mounts = append(mounts, m)
	}
	var out Membership
	sc = bufio.NewScanner(cgroupFile)
	for sc.Scan() {
		// "4:memory:/user.slice", "1:name=systemd:/", "0::/init.scope"
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		controllers, path := parts[1], parts[2]
		for _, m := range mounts {
			if !matches(m, controllers) || !strings.HasPrefix(path, m.root) {
				continue
			}
			out = append(out, filepath.Join(m.dir, strings.TrimPrefix(path, m.root)))
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func matches(m cgroupMount, controllers string) bool {
	if controllers == "" {
		return m.v2
	}
	if m.v2 {
		return false
	}
	for _, c := range strings.Split(controllers, ",") {
		if !m.options[c] {
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

// unescapeOctal undoes mountinfo's \NNN escapes.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

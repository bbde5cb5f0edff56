package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Usage is what a container's processes use and may use, as its cgroups
// count it. A limit of 0 means none.
type Usage struct {
	Memory      uint64        // bytes in use (memory.usage_in_bytes, memory.current)
	MemoryLimit uint64        // bytes (memory.limit_in_bytes, memory.max)
	CPUTime     time.Duration // CPU time used (cpuacct.usage, cpu.stat usage_usec)
	CPULimit    float64       // CPUs' worth of time (cpu.cfs_quota_us / cfs_period_us, cpu.max)
	Pids        uint64        // processes and threads (pids.current)
	PidsLimit   uint64        // (pids.max)
}

// ErrNoCgroup is returned when no cgroup of the process is found.
var ErrNoCgroup = errors.New("no cgroup found")

// ContainerOf is the cgroups of the container that process pid (its init,
// seen from the host) runs in: for each hierarchy, the process's cgroup
// cut at liblxc's container cgroup (lxc.payload.NAME), so a process that
// moved further down (systemd puts itself in init.scope) still gives the
// whole container's. What lies below is the container's to name; nothing
// above it is read.
func ContainerOf(pid int) (Membership, error) {
	cg, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil, err
	}
	defer cg.Close()
	mi, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer mi.Close()
	m, err := membership(cg, mi)
	if err != nil {
		return nil, err
	}
	return m.payload(), nil
}

// payload cuts each cgroup at its first lxc.payload component.
func (m Membership) payload() Membership {
	out := make(Membership, 0, len(m))
	for _, dir := range m {
		parts := strings.Split(dir, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, "lxc.payload") {
				dir = strings.Join(parts[:i+1], "/")
				break
			}
		}
		out = append(out, dir)
	}
	return out
}

// Usage reads the numbers of m's cgroups, from whichever of them holds each
// controller's files (v1: one hierarchy per controller; v2: one for all).
func (m Membership) Usage() (Usage, error) {
	var u Usage
	if len(m) == 0 {
		return u, ErrNoCgroup
	}
	read := func(name string) (string, bool) {
		for _, dir := range m {
			if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				return strings.TrimSpace(string(data)), true
			}
		}
		return "", false
	}
	if s, ok := read("memory.current"); ok {
		u.Memory, _ = strconv.ParseUint(s, 10, 64)
	} else if s, ok := read("memory.usage_in_bytes"); ok {
		u.Memory, _ = strconv.ParseUint(s, 10, 64)
	}
	if s, ok := read("memory.max"); ok {
		u.MemoryLimit = parseLimit(s)
	} else if s, ok := read("memory.limit_in_bytes"); ok {
		u.MemoryLimit = parseLimit(s)
	}
	if s, ok := read("cpu.stat"); ok && strings.Contains(s, "usage_usec") {
		u.CPUTime = parseCPUStat(strings.NewReader(s))
	} else if s, ok := read("cpuacct.usage"); ok {
		ns, _ := strconv.ParseUint(s, 10, 64)
		u.CPUTime = time.Duration(ns)
	}
	if s, ok := read("cpu.max"); ok {
		u.CPULimit = parseCPUMax(s)
	} else if q, ok := read("cpu.cfs_quota_us"); ok {
		if p, ok := read("cpu.cfs_period_us"); ok {
			u.CPULimit = cpuQuota(q, p)
		}
	}
	if s, ok := read("pids.current"); ok {
		u.Pids, _ = strconv.ParseUint(s, 10, 64)
	}
	if s, ok := read("pids.max"); ok {
		u.PidsLimit = parseLimit(s)
	}
	return u, nil
}

// unlimited is where a v1 counter's "no limit" begins: the kernel shows
// its page counter's maximum (9223372036854771712 bytes of memory).
const unlimited = 1 << 62

// parseLimit reads a limit: "max" (v2, pids) or a huge number (v1) is none.
func parseLimit(s string) uint64 {
	if s == "max" {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n >= unlimited {
		return 0
	}
	return n
}

// parseCPUMax reads v2's cpu.max: "QUOTA PERIOD", QUOTA "max" for none.
func parseCPUMax(s string) float64 {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0
	}
	return cpuQuota(f[0], f[1])
}

// cpuQuota is quota/period in CPUs; -1 (v1) or max (v2) is none.
func cpuQuota(quota, period string) float64 {
	q, err := strconv.ParseInt(quota, 10, 64)
	if err != nil || q <= 0 {
		return 0
	}
	p, err := strconv.ParseInt(period, 10, 64)
	if err != nil || p <= 0 {
		return 0
	}
	return float64(q) / float64(p)
}

// parseCPUStat reads usage_usec from v2's cpu.stat.
func parseCPUStat(r io.Reader) time.Duration {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok && k == "usage_usec" {
			us, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return time.Duration(us) * time.Microsecond
		}
	}
	return 0
}

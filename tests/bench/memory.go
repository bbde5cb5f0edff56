package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// What a running container costs the host, in KiB, as issue 16 defines it
// (anon + shmem + slab + stack + page tables of the container's cgroup and
// of its monitor's), and what that misses.
//
// liblxc's monitor is a fork of the process that started the container. A
// page is charged to the cgroup its allocator was in: the pages the
// monitor inherited and never wrote stay charged to the starter's cgroup
// (nixlxc's, lxc-start's), not the monitor's, and outlive the starter. So
// the cgroups alone hide most of a forked monitor's memory; the monitor
// process's own anonymous memory (its proportional share) and page tables
// are counted beside them.
type containerMem struct {
	payload       int64 // the container's cgroup: anon + shmem + kernel memory
	monitorCg     int64 // the monitor's cgroup: the same
	monitorKernel int64 // of which kernel memory (slab, stacks, page tables)
	monitorAnon   int64 // the monitor process: Pss_Anon
	monitorPTE    int64 // the monitor process: page tables (VmPTE)
}

// cgroups is issue 16's figure: both cgroups' charges.
func (m containerMem) cgroups() int64 { return m.payload + m.monitorCg }

// total is the container's cgroup, the monitor's kernel memory and the
// monitor process's anonymous memory and page tables, wherever they are
// charged. (Page tables the monitor allocated in its own cgroup count
// twice, up to its VmPTE; every starter is counted the same way.)
func (m containerMem) total() int64 {
	return m.payload + m.monitorKernel + m.monitorAnon + m.monitorPTE
}

// measureContainer reads a running container's memory through its init's
// pid (lxc-info) and its monitor, init's parent.
func measureContainer(e *env, name string) (containerMem, error) {
	out, err := e.cmd("lxc-info", "-P", e.lxcpath(), "-n", name, "-p", "-H").Output()
	if err != nil {
		return containerMem{}, fmt.Errorf("lxc-info %s: %v", name, err)
	}
	initPid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return containerMem{}, fmt.Errorf("%s has no init pid: %q", name, out)
	}
	monitor, err := parentOf(initPid)
	if err != nil {
		return containerMem{}, err
	}
	var m containerMem
	if m.payload, _, err = cgroupMemory(initPid); err != nil {
		return m, err
	}
	if m.monitorCg, m.monitorKernel, err = cgroupMemory(monitor); err != nil {
		return m, err
	}
	m.monitorAnon = procKiB(filepath.Join("/proc", strconv.Itoa(monitor), "smaps_rollup"), "Pss_Anon:")
	m.monitorPTE = procKiB(filepath.Join("/proc", strconv.Itoa(monitor), "status"), "VmPTE:")
	return m, nil
}

func parentOf(pid int) (int, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	rest := string(data[strings.LastIndexByte(string(data), ')')+1:])
	f := strings.Fields(rest)
	if len(f) < 2 {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	return strconv.Atoi(f[1])
}

// procKiB reads a "Key: N kB" line.
func procKiB(path, key string) int64 {
	data, _ := os.ReadFile(path)
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == key {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	return 0
}

// cgroupMemory is the memory cgroup of pid's charges in KiB: anon + shmem +
// kernel memory, and the kernel memory alone. cgroup v1 (this machine's
// hybrid layout): total_rss + total_shmem + kmem usage (slab, stacks and
// page tables are kernel memory there); v2: anon + shmem + slab +
// kernel_stack + pagetables.
func cgroupMemory(pid int) (all, kernel int64, err error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 {
			continue
		}
		for _, c := range strings.Split(f[1], ",") {
			if c == "memory" {
				dir := filepath.Join("/sys/fs/cgroup/memory", f[2])
				st := memoryStat(filepath.Join(dir, "memory.stat"))
				kmem, _ := os.ReadFile(filepath.Join(dir, "memory.kmem.usage_in_bytes"))
				k, _ := strconv.ParseInt(strings.TrimSpace(string(kmem)), 10, 64)
				return (st["total_rss"] + st["total_shmem"] + k) / 1024, k / 1024, nil
			}
		}
	}
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, "0::"); ok {
			st := memoryStat(filepath.Join("/sys/fs/cgroup", rest, "memory.stat"))
			k := st["slab"] + st["kernel_stack"] + st["pagetables"]
			return (st["anon"] + st["shmem"] + k) / 1024, k / 1024, nil
		}
	}
	return 0, 0, fmt.Errorf("no memory cgroup for pid %d", pid)
}

func memoryStat(path string) map[string]int64 {
	st := map[string]int64{}
	data, _ := os.ReadFile(path)
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) == 2 {
			st[f[0]], _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	return st
}

func medianInt(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]int64{}, v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// memSummary is the medians of a set of containers' memory.
func memSummary(ms []containerMem) string {
	var payload, monCg, monProc, cg, total []int64
	for _, m := range ms {
		payload = append(payload, m.payload)
		monCg = append(monCg, m.monitorCg)
		monProc = append(monProc, m.monitorAnon+m.monitorPTE)
		cg = append(cg, m.cgroups())
		total = append(total, m.total())
	}
	return fmt.Sprintf("container cgroup %d, monitor cgroup %d, monitor process anon+page tables %d; cgroups (issue 16) %d KiB, total %d KiB (medians of %d)",
		medianInt(payload), medianInt(monCg), medianInt(monProc), medianInt(cg), medianInt(total), len(ms))
}

func medianTotal(ms []containerMem) int64 {
	var t []int64
	for _, m := range ms {
		t = append(t, m.total())
	}
	return medianInt(t)
}

// waitBootedFile waits for a container started without nixlxc to report
// booted, as nixlxc start does.
func waitBootedFile(e *env, name string, timeout time.Duration) error {
	booted := filepath.Join(e.lxcpath(), name, "run", "booted")
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := os.Lstat(booted); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%s did not report booted within %s", name, timeout)
}

// Figure 7: what a running idle container costs the host, started by
// nixlxc and by lxc-start (and, with -before, an earlier nixlxc), 10 of
// each, started in turns and measured together; nixlxc's own peak RSS.
func (b *bench) figMemory() error {
	e, err := b.newEnv("")
	if err != nil {
		return err
	}
	defer e.close()
	conf := e.file("c.nix", hostonlyConfig)
	const n = 10
	type starter struct {
		label, prefix string
		start         func(name string) error
	}
	starters := []starter{
		{"nixlxc start", "mn", func(name string) error { return e.nixlxc("", "start", name).err }},
		{"lxc-start -d", "mr", func(name string) error {
			// The run directory still says booted from nixlxc's start.
			os.Remove(filepath.Join(e.lxcpath(), name, "run", "booted"))
			if err := e.cmd("lxc-start", "-P", e.lxcpath(), "-n", name, "-d").Run(); err != nil {
				return fmt.Errorf("lxc-start %s: %v", name, err)
			}
			return waitBootedFile(e, name, time.Minute)
		}},
	}
	if b.before != "" {
		starters = append(starters, starter{"before: nixlxc start", "mb", func(name string) error { return e.run("", b.before, "start", name).err }})
	}
	var createRSS []int64
	for i := 0; i < n; i++ {
		for _, s := range starters {
			name := fmt.Sprintf("%s%d", s.prefix, i)
			r := e.nixlxc("", "create", name, conf)
			if r.err != nil {
				return r.err
			}
			createRSS = append(createRSS, r.maxRSS)
			if s.prefix == "mr" {
				// A config rendered for this host, and its network.
				e.mustNixlxc("start", name)
				e.mustNixlxc("terminate", name)
			}
		}
	}
	listRSS := e.nixlxc("", "list").maxRSS
	startRSS := e.nixlxc("", "start", "mn0").maxRSS
	e.mustNixlxc("terminate", "mn0")
	sort.Slice(createRSS, func(i, j int) bool { return createRSS[i] < createRSS[j] })
	b.rec.note("peak RSS: nixlxc create %d KiB (median of %d), list %d KiB, start %d KiB", createRSS[len(createRSS)/2], len(createRSS), listRSS, startRSS)

	for i := 0; i < n; i++ {
		for _, s := range starters {
			if err := s.start(fmt.Sprintf("%s%d", s.prefix, i)); err != nil {
				return err
			}
		}
	}
	// Idle, as a host's containers mostly are.
	time.Sleep(3 * time.Second)
	byStarter := map[string][]containerMem{}
	for i := 0; i < n; i++ {
		for _, s := range starters {
			m, err := measureContainer(e, fmt.Sprintf("%s%d", s.prefix, i))
			if err != nil {
				return err
			}
			byStarter[s.label] = append(byStarter[s.label], m)
		}
	}
	for _, s := range starters {
		b.rec.note("%s: %s", s.label, memSummary(byStarter[s.label]))
	}
	raw := medianTotal(byStarter["lxc-start -d"])
	b.rec.note("memory per running container: nixlxc %d KiB against raw LXC %d KiB: %.2fx (target 1.10x)",
		medianTotal(byStarter["nixlxc start"]), raw, float64(medianTotal(byStarter["nixlxc start"]))/float64(raw))
	if b.before != "" {
		b.rec.note("before: %d KiB: %.2fx", medianTotal(byStarter["before: nixlxc start"]), float64(medianTotal(byStarter["before: nixlxc start"]))/float64(raw))
	}
	return nil
}

package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// nixlxcEnv runs the binary with extra environment, e.g. a fault point.
func (h *host) nixlxcEnv(extra []string, args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(append([]string{}, h.env...), extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	}
	return r
}

// crash runs a command that kills itself with SIGKILL at step.
func (h *host) crash(step string, args ...string) {
	h.t.Helper()
	r := h.nixlxcEnv([]string{"NIXLXC_FAULT=" + step}, args...)
	if r.code != -1 {
		h.t.Fatalf("nixlxc %s with NIXLXC_FAULT=%s was not killed: %s", strings.Join(args, " "), step, r)
	}
}

type finding struct {
	Problem  string `json:"problem"`
	Repaired bool   `json:"repaired"`
	Advice   string `json:"advice"`
	Err      string `json:"error"`
}

func (h *host) doctor(repair bool) []finding {
	h.t.Helper()
	args := []string{"doctor", "--json"}
	if repair {
		args = append(args, "--repair")
	}
	r := h.nixlxc(args...)
	var f []finding
	if err := json.Unmarshal([]byte(r.stdout), &f); err != nil {
		h.t.Fatalf("doctor output: %v\n%s", err, r)
	}
	return f
}

// repairAll runs doctor --repair, expects everything repaired, and a second
// run to find nothing and exit 0.
func (h *host) repairAll(step string) {
	h.t.Helper()
	for _, f := range h.doctor(true) {
		if !f.Repaired {
			h.t.Errorf("%s: doctor could not repair %q: %s%s", step, f.Problem, f.Err, f.Advice)
		}
	}
	if f := h.doctor(true); len(f) > 0 {
		h.t.Errorf("%s: a second doctor --repair still found %+v", step, f)
	}
	if r := h.nixlxc("doctor", "--repair"); r.code != 0 {
		h.t.Errorf("%s: a third doctor --repair: %s", step, r)
	}
}

// idmapBase is the host uid a container's root maps to, as list says.
func (h *host) idmapBase(name string) int {
	h.t.Helper()
	var infos []struct {
		Name      string `json:"name"`
		IDMapBase int    `json:"idmapBase"`
	}
	if err := json.Unmarshal([]byte(h.must("list", "--json")), &infos); err != nil {
		h.t.Fatal(err)
	}
	for _, i := range infos {
		if i.Name == name {
			return i.IDMapBase
		}
	}
	h.t.Fatalf("list has no %s", name)
	return 0
}

func (h *host) vethsOf(name string) []string {
	var out []string
	for _, p := range []string{"nh-", "nb-", "ni-"} {
		if _, err := os.Stat("/sys/class/net/" + p + name); err == nil {
			out = append(out, p+name)
		}
	}
	return out
}

// TestCrashMatrix kills nixlxc at every step of create, update and destroy
// in turn; after each, doctor --repair leaves nothing leaked and the same
// command then succeeds.
func TestCrashMatrix(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	h.hostJSON(`{ "ipv6": { "enable": true, "ipv6InternetInterfaceAddress": "2001:db8:7::1", "ipv6Prefix": "2001:db8:7::", "ipv6PrefixLength": 64 } }`)
	v1 := h.file("v1.nix", `{ network.enableNat = true; configuration = { ... }: { environment.etc.v.text = "one"; }; }`)
	v2 := h.file("v2.nix", `{ network.enableNat = true; configuration = { ... }: { environment.etc.v.text = "two"; }; }`)
	h.must("host", "setup")

	for _, step := range []string{"create:dir", "create:leased", "create:built", "create:generation", "create:rootfs", "create:config"} {
		h.crash(step, "create", "crash", v1)
		if len(h.doctor(false)) == 0 && step != "create:dir" {
			t.Errorf("%s: doctor found nothing after the crash", step)
		}
		h.repairAll(step)
		if r := h.nixlxc("exists", "crash"); r.code != 1 {
			t.Errorf("%s: a killed create left a container", step)
		}
		if left := h.leftovers("crash"); len(left) > 0 {
			t.Errorf("%s: left after repair: %v", step, left)
		}
		h.must("create", "crash", v1)
		h.must("destroy", "crash")
	}

	h.must("create", "crash", v1)
	h.must("start", "crash")
	for i, step := range []string{"update:leased", "update:built", "update:generation"} {
		to := v2
		if i%2 == 1 {
			to = v1
		}
		h.crash(step, "update", "crash", to)
		h.repairAll(step)
		h.must("update", "crash", to)
		want := "one"
		if to == v2 {
			want = "two"
		}
		if got := strings.TrimSpace(h.must("run", "crash", "--", "cat", "/etc/v")); got != want {
			t.Errorf("%s: after the repeated update /etc/v = %q, want %q", step, got, want)
		}
	}

	for i, step := range []string{"destroy:marked", "destroy:stopped", "destroy:files", "destroy:profile", "destroy:released"} {
		h.crash(step, "destroy", "--force", "crash")
		if r := h.nixlxc("start", "crash"); r.code == 0 {
			t.Errorf("%s: a half-destroyed container started", step)
		}
		// Either finishes it: destroy run again, or doctor --repair.
		if i%2 == 0 {
			h.must("destroy", "crash")
		} else {
			h.repairAll(step)
			if r := h.nixlxc("exists", "crash"); r.code != 1 {
				t.Errorf("%s: doctor --repair did not finish the interrupted destroy", step)
			}
		}
		if left := h.leftovers("crash"); len(left) > 0 {
			t.Errorf("%s: left after destroy: %v", step, left)
		}
		if v := h.vethsOf("crash"); len(v) > 0 {
			t.Errorf("%s: veths left: %v", step, v)
		}
		if f := h.doctor(false); len(f) > 0 {
			t.Errorf("%s: doctor after the finished destroy: %+v", step, f)
		}
		h.must("create", "crash", v1)
		h.must("start", "crash")
	}
	// A lost database (the last transactions before a power loss, or all of
	// it): doctor takes every lease again at the numbers the container uses.
	before := h.showIP("crash")
	idBefore := h.idmapBase("crash")
	for _, f := range []string{"nixlxc.db", "nixlxc.db-wal", "nixlxc.db-shm"} {
		os.Remove(filepath.Join(h.stateDir, f))
	}
	h.repairAll("lost database")
	after := h.showIP("crash")
	if after.Hostonly == nil || after.Internet == nil || *after.Hostonly != *before.Hostonly || after.Internet.IPv4 != before.Internet.IPv4 ||
		after.Internet.IPv6 != before.Internet.IPv6 || after.Internet.MAC != before.Internet.MAC {
		t.Errorf("after a lost database doctor leased %+v %+v, the container uses %+v %+v", after.Hostonly, after.Internet, before.Hostonly, before.Internet)
	}
	if id := h.idmapBase("crash"); id != idBefore {
		t.Errorf("after a lost database crash's id range starts at %d, it used %d", id, idBefore)
	}
	h.must("create", "other", v1)
	if s := h.showIP("other"); s.Hostonly.IPv4 == before.Hostonly.IPv4 || s.Hostonly.MAC == before.Hostonly.MAC {
		t.Errorf("a new container got crash's address or MAC after the repair: %+v", s.Hostonly)
	}
	if id := h.idmapBase("other"); id == idBefore {
		t.Errorf("a new container got crash's id range %d after the repair", id)
	}
	h.must("destroy", "other")
	h.must("destroy", "--force", "crash")

	// A ruleset flushed behind nixlxc's back: starts do not look (LXC fails
	// without bridges, not without rules), doctor does.
	sh(t, "nft", "delete", "table", "inet", "nixlxc")
	h.repairAll("flushed ruleset")
	if out := sh(t, "nft", "list", "tables"); !strings.Contains(out, "inet nixlxc") {
		t.Errorf("doctor did not restore nixlxc's table:\n%s", out)
	}

	// What else a killed process can leave: a host veth of nothing, and a
	// host network set up without its record.
	sh(t, "ip", "link", "add", "nh-ghost", "type", "veth", "peer", "name", "ghost-peer")
	h.must("host", "teardown")
	h.crash("host:applied", "host", "setup")
	if len(h.doctor(false)) < 2 {
		t.Errorf("doctor does not report the ghost veth and the unrecorded host network: %+v", h.doctor(false))
	}
	h.repairAll("leftover veth and host network")
	if _, err := os.Stat("/sys/class/net/nh-ghost"); err == nil {
		t.Error("doctor left the ghost veth")
	}
	if out := sh(t, "nft", "list", "tables"); strings.Contains(out, "nixlxc") {
		t.Errorf("doctor left nixlxc's table with no container to use it:\n%s", out)
	}
}

// TestParallelCycles: eight containers at a time are created, started and
// destroyed concurrently, round after round; every command succeeds, no
// address, MAC or id range is ever held twice, and nothing is left.
func TestParallelCycles(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	h.hostJSON(`{ "ipv6": { "enable": true, "ipv6InternetInterfaceAddress": "2001:db8:8::1", "ipv6Prefix": "2001:db8:8::", "ipv6PrefixLength": 64 } }`)
	conf := h.file("par.nix", `{ network.enableNat = true; configuration = { ... }: { }; }`)
	const workers, rounds = 8, 3
	for round := 0; round < rounds; round++ {
		var wg sync.WaitGroup
		errs := make(chan string, workers*2)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(name string) {
				defer wg.Done()
				for _, args := range [][]string{{"create", name, conf}, {"start", name}} {
					if r := h.nixlxc(args...); r.code != 0 {
						errs <- fmt.Sprintf("%v: %s", args, r)
						return
					}
				}
			}(fmt.Sprintf("par%d", w))
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatal(e)
		}

		seen := map[string]string{}
		claim := func(kind, value, owner string) {
			if value == "" {
				t.Errorf("round %d: %s has no %s", round, owner, kind)
				return
			}
			if other, dup := seen[kind+value]; dup {
				t.Errorf("round %d: %s %s held by %s and %s", round, kind, value, other, owner)
			}
			seen[kind+value] = owner
		}
		list := h.list()
		if len(list) != workers {
			t.Fatalf("round %d: %d containers listed, want %d", round, len(list), workers)
		}
		var infos []struct {
			Name      string `json:"name"`
			State     string `json:"state"`
			IDMapBase int    `json:"idmapBase"`
		}
		json.Unmarshal([]byte(h.must("list", "--json")), &infos)
		for _, c := range infos {
			if c.State != "RUNNING" {
				t.Errorf("round %d: %s is %s", round, c.Name, c.State)
			}
			claim("uid range", fmt.Sprint(c.IDMapBase), c.Name)
			s := h.showIP(c.Name)
			claim("IPv4", s.Hostonly.IPv4, c.Name)
			claim("MAC", s.Hostonly.MAC, c.Name)
			claim("IPv4", s.Internet.IPv4, c.Name)
			claim("IPv6", s.Internet.IPv6, c.Name)
			claim("MAC", s.Internet.MAC, c.Name)
			if uid := hostUID(t, h.initPID(c.Name)); uid != c.IDMapBase {
				t.Errorf("round %d: %s's init runs as %d, its range starts at %d", round, c.Name, uid, c.IDMapBase)
			}
		}

		var dw sync.WaitGroup
		derrs := make(chan string, workers)
		for _, c := range infos {
			dw.Add(1)
			go func(name string) {
				defer dw.Done()
				if r := h.nixlxc("destroy", "--force", name); r.code != 0 {
					derrs <- fmt.Sprintf("destroy %s: %s", name, r)
				}
			}(c.Name)
		}
		dw.Wait()
		close(derrs)
		for e := range derrs {
			t.Fatal(e)
		}
	}
	if out := h.must("list"); out != "" {
		t.Errorf("containers left: %q", out)
	}
	if f := h.doctor(false); len(f) > 0 {
		t.Errorf("doctor finds leftovers: %+v", f)
	}
	for w := 0; w < workers; w++ {
		if v := h.vethsOf(fmt.Sprintf("par%d", w)); len(v) > 0 {
			t.Errorf("veths left: %v", v)
		}
	}
}

// TestIsolation: each container's root is a different host uid range, the
// store is read-only, no host process is visible, a container cannot raise
// its own cgroup limits, and limits from the config file are enforced.
func TestIsolation(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	h.must("create", "isoa", example("hello.nix"))
	h.must("create", "isob", example("hello.nix"))
	h.must("start", "isoa")
	h.must("start", "isob")
	ua, ub := hostUID(t, h.initPID("isoa")), hostUID(t, h.initPID("isob"))
	if ua < 100000 || ub < 100000 || ua == ub {
		t.Errorf("roots run as host uids %d and %d: want two different ranges above 100000", ua, ub)
	}
	if d := ua - ub; d != 65536 && d != -65536 {
		t.Errorf("the ranges are %d apart, want 65536", d)
	}
	for _, c := range []string{"isoa", "isob"} {
		h.must("run", c, "--", "sh", "-c", "echo x > /root/mine")
		owner := fileUID(t, filepath.Join(h.stateDir, "lxc", c, "rootfs", "root", "mine"))
		if want := hostUID(t, h.initPID(c)); owner != want {
			t.Errorf("%s's file is owned by host uid %d, want %d", c, owner, want)
		}
	}
	if r := h.nixlxc("run", "isoa", "--", "touch", "/nix/store/evil"); r.code == 0 || !strings.Contains(r.stderr, "Read-only file system") {
		t.Errorf("touch in the store: %s, want a read-only file system error", r)
	}
	if _, err := os.Lstat("/nix/store/evil"); err == nil {
		t.Error("a container wrote to the store")
	}
	if r := h.nixlxc("run", "isoa", "--", "mount", "-o", "remount,rw", "/nix/store"); r.code == 0 {
		t.Error("a container remounted the store read-write")
	}
	// No host process is visible: only the container's own.
	ps := h.must("run", "isoa", "--", "ps", "-o", "pid,comm")
	if !strings.Contains(ps, "\n    1 ") && !strings.Contains(ps, "\n1 ") {
		t.Errorf("the container's init is not pid 1:\n%s", ps)
	}
	if strings.Contains(ps, "nixlxc") || strings.Contains(ps, ".test") || strings.Count(ps, "\n") > 20 {
		t.Errorf("host processes are visible inside:\n%s", ps)
	}
	// The cgroup tree the container sees is its own; it cannot raise the
	// limits set for it, nor touch anything above.
	for _, f := range []string{"/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/memory.max"} {
		if r := h.nixlxc("run", "isoa", "--", "sh", "-c", "[ ! -e "+f+" ] || echo max > "+f); r.code == 0 && h.nixlxc("run", "isoa", "--", "test", "-e", f).code == 0 {
			t.Errorf("the container wrote %s", f)
		}
	}
	if r := h.nixlxc("run", "isoa", "--", "sh", "-c", "echo 1 > /sys/fs/cgroup/../../cgroup.procs"); r.code == 0 {
		t.Error("the container wrote above its cgroup")
	}
	// --shared-idmap keeps nixcloud-container's single range, and a range
	// in a container's own use cannot be shared.
	h.fails(2, []string{"isoa"}, "create", "--shared-idmap", "shared", example("hello.nix"))
	h.must("destroy", "--force", "isoa")
	h.must("create", "--shared-idmap", "shared1", example("hello.nix"))
	h.must("create", "--shared-idmap", "shared2", example("hello.nix"))
	h.must("create", "own", example("hello.nix"))
	bases := map[string]int{}
	var infos []struct {
		Name      string `json:"name"`
		IDMapBase int    `json:"idmapBase"`
	}
	json.Unmarshal([]byte(h.must("list", "--json")), &infos)
	for _, i := range infos {
		bases[i.Name] = i.IDMapBase
	}
	if bases["shared1"] != 100000 || bases["shared2"] != 100000 || bases["own"] == 100000 || bases["own"] == bases["isob"] {
		t.Errorf("id ranges: %v", bases)
	}

	// Limits: visible in the container's cgroup, and enforced.
	h.must("create", "limited", h.file("limited.nix", `{ limits = { memory = "64M"; cpus = 0.5; pids = 24; }; configuration = { ... }: { }; }`))
	h.must("start", "limited")
	pids := cgroupFile(t, h.initPID("limited"), "pids", "pids.max")
	if got := strings.TrimSpace(readFile(t, pids)); got != "24" {
		t.Errorf("pids.max = %s, want 24", got)
	}
	if mem := cgroupFile(t, h.initPID("limited"), "memory", "memory.limit_in_bytes"); !strings.HasPrefix(strings.TrimSpace(readFile(t, mem)), "67108864") {
		if v2 := cgroupFile(t, h.initPID("limited"), "memory", "memory.max"); strings.TrimSpace(readFile(t, v2)) != "67108864" {
			t.Errorf("memory limit = %s, want 64M", readFile(t, mem))
		}
	}
	// cpus = 0.5: half of every CFS period (v1: quota and period; v2: cpu.max).
	if quota := cgroupFile(t, h.initPID("limited"), "cpu", "cpu.cfs_quota_us"); fileExists(quota) {
		period := cgroupFile(t, h.initPID("limited"), "cpu", "cpu.cfs_period_us")
		if q, p := strings.TrimSpace(readFile(t, quota)), strings.TrimSpace(readFile(t, period)); q != "50000" || p != "100000" {
			t.Errorf("cpu quota/period = %s/%s, want 50000/100000 for cpus = 0.5", q, p)
		}
	} else if got := strings.TrimSpace(readFile(t, cgroupFile(t, h.initPID("limited"), "cpu", "cpu.max"))); got != "50000 100000" {
		t.Errorf("cpu.max = %q, want \"50000 100000\" for cpus = 0.5", got)
	}
	r := h.nixlxc("run", "limited", "--", "sh", "-c", "i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; wait")
	if r.code == 0 || !strings.Contains(r.stderr, "fork") {
		t.Errorf("40 processes under pids = 24: %s, want a fork failure", r)
	}
	if s := h.state("limited"); s != "RUNNING" {
		t.Errorf("the limited container is %s after hitting its limit", s)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// cgroupFile is the host path of a cgroup file of process pid (v1 or v2).
func cgroupFile(t *testing.T, pid int, controller, file string) string {
	t.Helper()
	for _, l := range strings.Split(readFile(t, fmt.Sprintf("/proc/%d/cgroup", pid)), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 {
			continue
		}
		for _, c := range strings.Split(f[1], ",") {
			if c == controller {
				return filepath.Join("/sys/fs/cgroup", controller, f[2], file)
			}
		}
		if f[1] == "" && f[0] == "0" {
			if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", f[2], file)); err == nil {
				return filepath.Join("/sys/fs/cgroup", f[2], file)
			}
		}
	}
	t.Fatalf("no %s cgroup for pid %d", controller, pid)
	return ""
}

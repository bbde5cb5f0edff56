package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseLimits(t *testing.T) {
	for s, want := range map[string]uint64{"max": 0, "9223372036854771712": 0, "536870912": 536870912, "200": 200, "junk": 0} {
		if got := parseLimit(s); got != want {
			t.Errorf("parseLimit(%q) = %d, want %d", s, got, want)
		}
	}
	for s, want := range map[string]float64{"max 100000": 0, "150000 100000": 1.5, "50000 100000": 0.5, "": 0, "1 0": 0} {
		if got := parseCPUMax(s); got != want {
			t.Errorf("parseCPUMax(%q) = %v, want %v", s, got, want)
		}
	}
	if got := cpuQuota("-1", "100000"); got != 0 {
		t.Errorf("v1 unlimited quota: %v", got)
	}
	if got := parseCPUStat(strings.NewReader("usage_usec 1500000\nuser_usec 1000000\n")); got != 1500*time.Millisecond {
		t.Errorf("parseCPUStat = %v", got)
	}
}

func TestPayload(t *testing.T) {
	m := Membership{
		"/sys/fs/cgroup/memory/lxc.payload.web",
		"/sys/fs/cgroup/unified/lxc.payload.web/init.scope",
		"/sys/fs/cgroup/systemd/srv/lxc.payload.web-2/system.slice/lxc.payload.x",
		"/sys/fs/cgroup/pids/elsewhere",
	}
	want := []string{
		"/sys/fs/cgroup/memory/lxc.payload.web",
		"/sys/fs/cgroup/unified/lxc.payload.web",
		"/sys/fs/cgroup/systemd/srv/lxc.payload.web-2",
		"/sys/fs/cgroup/pids/elsewhere",
	}
	if got := m.payload(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("payload = %q\nwant %q", got, want)
	}
}

// tree writes cgroup files into directories below a temporary one.
func tree(t *testing.T, files map[string]string) (string, Membership) {
	t.Helper()
	root := t.TempDir()
	dirs := map[string]bool{}
	var m Membership
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if d := filepath.Dir(full); !dirs[d] {
			dirs[d] = true
			m = append(m, d)
		}
	}
	return root, m
}

func TestUsageV1(t *testing.T) {
	_, m := tree(t, map[string]string{
		"memory/c/memory.usage_in_bytes":  "1048576\n",
		"memory/c/memory.limit_in_bytes":  "67108864\n",
		"cpuacct/c/cpuacct.usage":         "2500000000\n",
		"cpu/c/cpu.cfs_quota_us":          "50000\n",
		"cpu/c/cpu.cfs_period_us":         "100000\n",
		"cpu/c/cpu.stat":                  "nr_periods 3\nnr_throttled 0\n",
		"pids/c/pids.current":             "7\n",
		"pids/c/pids.max":                 "100\n",
		"unified/c/cgroup.procs":          "",
		"unified/c/memory.pressure_dummy": "",
	})
	got, err := m.Usage()
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{Memory: 1048576, MemoryLimit: 67108864, CPUTime: 2500 * time.Millisecond, CPULimit: 0.5, Pids: 7, PidsLimit: 100}
	if got != want {
		t.Errorf("Usage = %+v\nwant %+v", got, want)
	}
}

func TestUsageV2Unlimited(t *testing.T) {
	_, m := tree(t, map[string]string{
		"c/memory.current": "2097152\n",
		"c/memory.max":     "max\n",
		"c/cpu.stat":       "usage_usec 300\nuser_usec 200\n",
		"c/cpu.max":        "max 100000\n",
		"c/pids.current":   "3\n",
		"c/pids.max":       "max\n",
	})
	got, err := m.Usage()
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{Memory: 2097152, CPUTime: 300 * time.Microsecond, Pids: 3}
	if got != want {
		t.Errorf("Usage = %+v\nwant %+v", got, want)
	}
	if _, err := (Membership{}).Usage(); err != ErrNoCgroup {
		t.Errorf("no cgroups: %v", err)
	}
}

package tests

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// infoOut is what the test reads of info --json.
type infoOut struct {
	Name          string     `json:"name"`
	State         string     `json:"state"`
	PID           int        `json:"pid"`
	Started       *time.Time `json:"started"`
	UptimeSeconds *int64     `json:"uptimeSeconds"`
	Generation    int        `json:"generation"`
	System        string     `json:"system"`
	IPv4          string     `json:"ipv4"`
	NAT           string     `json:"nat"`
	Interfaces    map[string]struct {
		Bridge   string `json:"bridge"`
		HostVeth string `json:"hostVeth"`
		MAC      string `json:"mac"`
		IPv4     string `json:"ipv4"`
	} `json:"interfaces"`
	Autostart struct {
		Enable bool `json:"enable"`
		Order  int  `json:"order"`
	} `json:"autostart"`
	IDMapBase  int `json:"idmapBase"`
	IDMapCount int `json:"idmapCount"`
	Source     struct {
		ConfigFile string `json:"configFile"`
	} `json:"source"`
	Resources *struct {
		MemoryBytes      uint64  `json:"memoryBytes"`
		MemoryLimitBytes uint64  `json:"memoryLimitBytes"`
		CPUSeconds       float64 `json:"cpuSeconds"`
		CPULimit         float64 `json:"cpuLimit"`
		Pids             uint64  `json:"pids"`
		PidsLimit        uint64  `json:"pidsLimit"`
	} `json:"resources"`
}

func (h *host) info(name string) infoOut {
	h.t.Helper()
	var out infoOut
	if err := json.Unmarshal([]byte(h.must("info", "--json", name)), &out); err != nil {
		h.t.Fatalf("info --json %s: %v", name, err)
	}
	return out
}

// TestInfo: info --json agrees with what the kernel, liblxc and the other
// commands say: the init's pid (lxc-info) and start, the container's
// cgroup files (its limits and use, read here independently of nixlxc),
// the leases show-ip prints, the profile's generation, the id range the
// init runs as.
func TestInfo(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	cfg := h.file("info.nix", `{
  network.enableNat = true;
  autostart = { enable = true; order = 7; };
  limits = { memory = "96M"; cpus = 0.5; pids = 150; };
  configuration = { ... }: { };
}`)
	h.must("create", "dinfo", cfg)
	stopped := h.info("dinfo")
	if stopped.State != "STOPPED" || stopped.PID != 0 || stopped.Resources != nil || stopped.Started != nil {
		t.Errorf("a stopped container's info: %+v", stopped)
	}
	h.must("start", "dinfo")
	i := h.info("dinfo")

	if pid := h.initPID("dinfo"); i.PID != pid {
		t.Errorf("pid %d, lxc-info says %d", i.PID, pid)
	}
	if i.State != "RUNNING" || i.Started == nil || i.UptimeSeconds == nil || *i.UptimeSeconds < 0 || time.Since(*i.Started) > 5*time.Minute {
		t.Errorf("state and start: %+v", i)
	}
	if uid := hostUID(t, i.PID); uid != i.IDMapBase || i.IDMapCount != 65536 {
		t.Errorf("the init runs as host uid %d; info says ids %d (+%d)", uid, i.IDMapBase, i.IDMapCount)
	}
	l := h.list()
	if len(l) != 1 || l[0].Generation != i.Generation || l[0].System != i.System || i.Generation != 1 {
		t.Errorf("generation %d %s; list says %+v", i.Generation, i.System, l)
	}
	if !i.Autostart.Enable || i.Autostart.Order != 7 || i.Source.ConfigFile != cfg {
		t.Errorf("autostart and source: %+v %+v", i.Autostart, i.Source)
	}

	// The addresses: show-ip's, with the NAT address.
	ips := h.showIP("dinfo")
	if plain(ips.Hostonly.IPv4) != i.IPv4 || plain(ips.Internet.IPv4) != i.NAT || i.NAT == "" {
		t.Errorf("ipv4 %q nat %q; show-ip says %+v %+v", i.IPv4, i.NAT, *ips.Hostonly, *ips.Internet)
	}
	for name, want := range map[string]string{"hostonly": ips.Hostonly.MAC, "internet": ips.Internet.MAC} {
		if got := i.Interfaces[name]; got.MAC != want || got.Bridge == "" || got.HostVeth == "" {
			t.Errorf("interface %s: %+v, show-ip's MAC %s", name, got, want)
		}
	}

	// The cgroup's own numbers.
	cg := payloadCgroups(t, i.PID)
	r := i.Resources
	if r == nil {
		t.Fatal("no resources for a running container")
	}
	if want := cgroupNumber(t, cg, "memory.limit_in_bytes", "memory.max"); r.MemoryLimitBytes != want || want != 96<<20 {
		t.Errorf("memory limit %d, the cgroup says %d", r.MemoryLimitBytes, want)
	}
	if want := cgroupNumber(t, cg, "pids.max", "pids.max"); r.PidsLimit != want || want != 150 {
		t.Errorf("pids limit %d, the cgroup says %d", r.PidsLimit, want)
	}
	if r.CPULimit != 0.5 {
		t.Errorf("cpu limit %v, want 0.5", r.CPULimit)
	}
	if quota := cgroupNumber(t, cg, "cpu.cfs_quota_us", ""); quota != 0 && float64(quota)/float64(cgroupNumber(t, cg, "cpu.cfs_period_us", "")) != r.CPULimit {
		t.Errorf("cpu limit %v, the cgroup's quota %d", r.CPULimit, quota)
	}
	if r.MemoryBytes == 0 || r.MemoryBytes > r.MemoryLimitBytes || r.CPUSeconds <= 0 {
		t.Errorf("use: %+v", *r)
	}
	// An idle container's process count holds still: info and the cgroup
	// agree once two readings in a row do.
	eventually(t, 10*time.Second, "info's pids match pids.current", func() bool {
		before := cgroupNumber(t, cg, "pids.current", "pids.current")
		got := h.info("dinfo").Resources.Pids
		return got == before && got == cgroupNumber(t, cg, "pids.current", "pids.current") && got >= 1
	})

	// Its text form says the same.
	text := h.must("info", "dinfo")
	for _, want := range []string{"State:", "RUNNING", fmt.Sprint(i.PID), i.System, i.IPv4, "limit 96.0 MiB", "limit 150", "order 7", cfg} {
		if !strings.Contains(text, want) {
			t.Errorf("info lacks %q:\n%s", want, text)
		}
	}
	h.fails(3, []string{"nope"}, "info", "nope")
}

// plain is the address of "10.101.0.2/16" or of "10.101.0.2".
func plain(s string) string {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Addr().String()
	}
	return s
}

// payloadCgroups are the directories of the cgroups process pid is in, as
// /proc/PID/cgroup names them: v1 controllers under /sys/fs/cgroup/NAME,
// the unified hierarchy under /sys/fs/cgroup/unified or /sys/fs/cgroup.
func payloadCgroups(t *testing.T, pid int) []string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(l, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[1] == "":
			dirs = append(dirs, filepath.Join("/sys/fs/cgroup/unified", parts[2]), filepath.Join("/sys/fs/cgroup", parts[2]))
		case !strings.HasPrefix(parts[1], "name="):
			dirs = append(dirs, filepath.Join("/sys/fs/cgroup", parts[1], parts[2]))
		}
	}
	return dirs
}

// cgroupNumber reads a number from the first of the cgroups holding the
// v1 or v2 file ("max" is 0); 0 if none holds either.
func cgroupNumber(t *testing.T, dirs []string, v1, v2 string) uint64 {
	t.Helper()
	for _, d := range dirs {
		for _, f := range []string{v1, v2} {
			if f == "" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(d, f))
			if err != nil {
				continue
			}
			s := strings.TrimSpace(string(data))
			if s == "max" {
				return 0
			}
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("%s/%s: %q", d, f, s)
			}
			return n
		}
	}
	return 0
}

package cgroups

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/internal/testenv"
)

func TestMonitorOf(t *testing.T) {
	for base, want := range map[string]string{
		"lxc.monitor.web":      "web",
		"lxc.monitor.web-3":    "web",
		"lxc.monitor.my-web":   "my-web",
		"lxc.monitor.my-web-1": "my-web",
		"lxc.monitor.a-":       "a-",
		"lxc.payload.web":      "",
		"lxc.monitor.":         "",
		"other":                "",
	} {
		got, ok := monitorOf(base)
		if got != want || ok != (want != "") {
			t.Errorf("monitorOf(%q) = %q, %v; want %q", base, got, ok, want)
		}
	}
}

func TestMembership(t *testing.T) {
	mountinfo := `23 1 0:21 / / rw - ext4 /dev/vda rw
30 23 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw
31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate
32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
`
	self := `4:memory:/process_api/x
3:cpu,cpuacct:/
1:name=systemd:/lxc.monitor.web
0::/lxc.monitor.web
`
	got, err := membership(strings.NewReader(self), strings.NewReader(mountinfo))
	if err != nil {
		t.Fatal(err)
	}
	want := Membership{"/sys/fs/cgroup/memory/process_api/x", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/systemd/lxc.monitor.web", "/sys/fs/cgroup/unified/lxc.monitor.web"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("membership = %q\nwant %q", got, want)
	}
	v2 := "29 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
	got, _ = membership(strings.NewReader("0::/system.slice/nixlxc.service\n"), strings.NewReader(v2))
	if len(got) != 1 || got[0] != "/sys/fs/cgroup/system.slice/nixlxc.service" {
		t.Errorf("v2 membership = %q", got)
	}
}

// On the host's real cgroup file systems (root): an empty monitor cgroup
// is found and removed; a busy one, and other containers', are not.
func TestEmptyMonitorsOnTheHost(t *testing.T) {
	testenv.RequireRoot(t)
	name := fmt.Sprintf("unit-%d", os.Getpid())
	hs := hierarchies()
	if len(hs) == 0 {
		t.Fatal("no cgroup hierarchy mounted")
	}
	dir := filepath.Join(hs[0], "lxc.monitor."+name+"-1")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(dir)
	if got := EmptyMonitors([]string{"other-" + name}); len(got) != 0 {
		t.Errorf("another container's monitors: %v", got)
	}
	got := EmptyMonitors([]string{name})
	if len(got) != 1 || got[0] != dir {
		t.Fatalf("EmptyMonitors = %v, want [%s]", got, dir)
	}
	if all := Monitors([]string{name}); len(all) != 1 {
		t.Errorf("Monitors = %v", all)
	}
	if err := Remove(got[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the cgroup is still there")
	}
	if err := Remove(dir); err != nil {
		t.Errorf("removing what is gone: %v", err)
	}
	if err := Remove("/tmp/not-a-cgroup"); err == nil {
		t.Error("removed a directory outside the cgroup file systems")
	}
}

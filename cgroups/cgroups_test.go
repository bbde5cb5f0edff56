package cgroups

import (
	"strings"
	"testing"
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

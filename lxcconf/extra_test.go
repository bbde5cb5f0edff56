package lxcconf

import (
	"strings"
	"testing"
)

func TestParseExtraValues(t *testing.T) {
	for _, good := range []string{
		"lxc.environment = FOO=bar baz",
		"lxc.environment = EMPTY=",
		"lxc.prlimit.nofile = 4096",
		"lxc.prlimit.nofile = 1024:4096",
		"lxc.prlimit.core = unlimited",
		"lxc.prlimit.memlock = 64 : unlimited",
		"lxc.sysctl.net.ipv4.ip_forward = 1",
		"lxc.sysctl.net.ipv4.ping_group_range = 0 2147483647",
		"lxc.cgroup.memory.limit_in_bytes = 1G",
		"lxc.cgroup.cpuset.cpus = 0-1",
		"lxc.cgroup2.memory.high = 512M",
		"lxc.cgroup2.io.weight = 50",
		"lxc.cgroup.pids.max = 100",
		"lxc.cap.drop = sys_time sys_module",
		"lxc.signal.halt = SIGRTMIN+3",
		"lxc.signal.halt = sigpwr",
		"lxc.signal.reboot = 15",
		"lxc.signal.stop = SIGKILL",
		"lxc.signal.halt = SIGRTMAX-2",
		"lxc.tty.max = 0",
		"lxc.pty.max = 10",
		"lxc.mount.entry = /srv/data srv none bind,ro,create=dir 0 0",
		"lxc.mount.entry = /srv/my\\040data srv\\040x none rbind,create=dir",
		"lxc.mount.entry = /srv/f etc/f none bind,ro,nodev,create=file 0 0",
		"lxc.mount.entry = /srv/data data none bind,nodev,idmap=container,create=dir 0 0",
		"lxc.mount.entry = tmpfs var/cache tmpfs rw,nosuid,nodev,size=64m,mode=0755,create=dir 0 0",
		"lxc.mount.entry = mqueue dev/mqueue mqueue rw,create=dir,optional 0 0",
	} {
		if _, err := ParseExtra(good); err != nil {
			t.Errorf("ParseExtra(%q): %v", good, err)
		}
	}
	for bad, mention := range map[string]string{
		// The values of issue 10: liblxc would not load them, or a
		// container with them could not be stopped.
		"lxc.tty.max = abc":                  "lxc.tty.max = abc",
		"lxc.pty.max = -5":                   "lxc.pty.max = -5",
		"lxc.signal.halt = SIGFOO":           "lxc.signal.halt = SIGFOO",
		"lxc.prlimit.nofile = x":             "lxc.prlimit.nofile = x",
		"lxc.cap.drop = notacap":             "lxc.cap.drop = notacap",
		"lxc.cgroup.relative = 7":            "lxc.cgroup.relative = 7",
		"lxc.signal.stop = 99":               "lxc.signal.stop = 99",
		"lxc.signal.halt = SIGRTMIN+99":      "SIGRTMIN+99",
		"lxc.signal.halt = 0":                "lxc.signal.halt = 0",
		"lxc.tty.max = 100000":               "lxc.tty.max",
		"lxc.pty.max = +5":                   "lxc.pty.max",
		"lxc.prlimit.nofile = 10:5":          "soft limit",
		"lxc.prlimit.nofile = 5:":            "lxc.prlimit.nofile",
		"lxc.prlimit.foo = 5":                "foo",
		"lxc.prlimit.rtprio = 99":            "rtprio",
		"lxc.prlimit.nice = 40":              "nice",
		"lxc.cap.drop = CAP_SYS_ADMIN":       "CAP_SYS_ADMIN",
		"lxc.cap.drop = none":                "none",
		"lxc.environment = HOME":             "bare NAME",
		"lxc.environment = 1A=x":             "1A",
		"lxc.environment =":                  "empty value",
		"lxc.mount.entry =":                  "empty value",
		"lxc.cgroup.memory.limit_in_bytes =": "empty value",
		// A container frozen by its own config hangs every command on it.
		"lxc.cgroup.freezer.state = FROZEN": "freezer.state",
		"lxc.cgroup2.cgroup.freeze = 1":     "cgroup.freeze",
		"lxc.cgroup.memory.force_empty = 0": "memory.force_empty",
		// The host's pty pool.
		"lxc.pty.max = 1024": "lxc.pty.max",
		// cgroup placement and core files.
		"lxc.cgroup.dir = advescape":            "lxc.cgroup.dir",
		"lxc.cgroup.dir.container = x":          "lxc.cgroup.dir.container",
		"lxc.cgroup.dir.monitor.pivot = x":      "pivot",
		"lxc.cgroup2.cgroup.procs = 1":          "cgroup.procs",
		"lxc.cgroup.tasks = 1":                  "tasks",
		"lxc.cgroup.devices.allow = a":          "devices.allow",
		"lxc.cgroup2.devices.allow = c 1:3 rwm": "devices.allow",
		"lxc.cgroup.memory = 1":                 "memory",
		"lxc.cgroup.release_agent = /tmp/x":     "release_agent",
		"lxc.seccomp.profile = /dev/null":       "set by nixlxc",
		"lxc.sysctl..x = 1":                     "not an LXC key",
		"lxc.sysctl.kernel.panic = 1":           "not a sysctl of the container's own namespaces",
		"lxc.sysctl.vm.swappiness = 1":          "not a sysctl of the container's own namespaces",
		// Mounts: the issue's, and their siblings.
		"lxc.mount.entry = / mnt none rbind,create=dir 0 0":                                 "", // a host path: Boundary's
		"lxc.mount.entry = /etc ../../../../../../tmp/x none bind,create=dir":               "..",
		"lxc.mount.entry = /etc a/../../x none bind,create=dir 0 0":                         "..",
		"lxc.mount.entry = /etc /tmp/x none bind,create=dir 0 0":                            "relative",
		"lxc.mount.entry = /etc . none bind 0 0":                                            "root",
		"lxc.mount.entry = etc x none bind,relative,create=dir 0 0":                         "relative",
		"lxc.mount.entry = /srv x none bind,idmap=/proc/1/ns/user 0 0":                      "idmap=/proc/1/ns/user",
		"lxc.mount.entry = /srv x none bind,idmap=container 0 0":                            "nodev",
		"lxc.mount.entry = /srv x none bind,dev 0 0":                                        `"dev"`,
		"lxc.mount.entry = /srv x none bind,remount,rw 0 0":                                 "remount",
		"lxc.mount.entry = /srv x none bind,shared 0 0":                                     "shared",
		"lxc.mount.entry = ../srv x none bind 0 0":                                          "absolute",
		"lxc.mount.entry = /srv/../etc x none bind 0 0":                                     "clean",
		"lxc.mount.entry = overlay x overlay lowerdir=/,upperdir=/tmp/u,workdir=/tmp/w 0 0": "lowerdir",
		"lxc.mount.entry = /dev/vda x ext4 defaults 0 0":                                    "ext4",
		"lxc.mount.entry = /proc x proc defaults 0 0":                                       "name",
		"lxc.mount.entry = tmpfs x tmpfs idmap=container,nodev 0 0":                         "idmapped",
		"lxc.mount.entry = /srv x":                                                          "SOURCE TARGET",
		"lxc.mount.entry = /srv x none bind 0 0 0":                                          "SOURCE TARGET",
		"lxc.mount.entry = /srv x none bind a b":                                            "dump",
	} {
		_, err := ParseExtra(bad)
		if mention == "" {
			continue
		}
		if err == nil {
			t.Errorf("ParseExtra(%q) accepted it", bad)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, mention) {
			t.Errorf("ParseExtra(%q) = %q, want one line mentioning %q", bad, msg, mention)
		}
	}
}

func TestParseMountEntry(t *testing.T) {
	e, err := ParseMountEntry(`/srv/my\040data srv\134x none bind,ro,create=dir 0 0`)
	if err != nil {
		t.Fatal(err)
	}
	if e.Source != "/srv/my data" || e.Target != `srv\x` || !e.Bind() || !e.ReadOnly() {
		t.Errorf("got %+v", e)
	}
	if e, _ := ParseMountEntry("/a b none ro,bind,rw 0 0"); e.ReadOnly() {
		t.Errorf("ro,rw is read-write")
	}
}

// FuzzParseExtra: what ParseExtra accepts is one line per item, keys the
// rules allow, and mounts whose targets stay inside the rootfs.
func FuzzParseExtra(f *testing.F) {
	for _, s := range []string{
		"lxc.mount.entry = /srv srv none bind 0 0",
		"lxc.mount.entry = /etc ../x none bind,create=dir",
		"lxc.cgroup.dir = x",
		"lxc.prlimit.nofile = 1:2",
		"lxc.signal.halt = SIGRTMIN+3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		items, err := ParseExtra(text)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.Value == "" {
				t.Fatalf("accepted an empty value: %v", it)
			}
			if it.Key != "lxc.mount.entry" {
				continue
			}
			e, err := ParseMountEntry(it.Value)
			if err != nil {
				t.Fatalf("accepted a mount entry it cannot parse: %q", it.Value)
			}
			if strings.HasPrefix(e.Target, "/") || e.Target == ".." || strings.HasPrefix(e.Target, "../") || strings.Contains(e.Target, "/../") || strings.HasSuffix(e.Target, "/..") {
				t.Fatalf("accepted a target outside the rootfs: %q", it.Value)
			}
		}
	})
}

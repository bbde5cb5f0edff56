package lxcconf

import (
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func minimal() Config {
	return Config{
		Name:   "web",
		RootFS: "/var/lib/nixlxc/lxc/web/rootfs",
		Init:   "/nix/var/nix/profiles/system/init",
		IDMaps: []IDMap{{'u', 0, 100000, 65536}, {'g', 0, 100000, 65536}},
		Mounts: []Mount{
			{Source: "/nix/store", Target: "nix/store", Options: "ro,bind,create=dir"},
		},
		RootMount: "/var/lib/nixlxc/rootfs-mount",
	}
}

func full() Config {
	c := minimal()
	c.Mounts = append(c.Mounts,
		Mount{Source: "/nix/var/nix/profiles/per-container/web", Target: "nix/var/nix/profiles", Options: "ro,bind,create=dir"},
		Mount{Source: "tmpfs", Target: "run", FSType: "tmpfs", Options: "rw,nosuid,nodev,mode=0755,create=dir"},
		Mount{Source: "/var/lib/my state/web run", Target: "run/nixlxc", Options: "rw,bind,create=dir"},
	)
	c.Networks = []Network{
		{Name: "hostonly", Link: "brNC-hostonly", HostVeth: "nh-web", HWAddr: "02:6e:6c:00:00:01",
			IPv4: netip.MustParsePrefix("10.101.0.2/16")},
		{Name: "internet", Link: "brNC-internet", HostVeth: "ni-web", HWAddr: "02:6e:6c:00:00:02",
			IPv4: netip.MustParsePrefix("10.202.0.2/16"), IPv4Gateway: netip.MustParseAddr("10.202.0.1"),
			IPv6: netip.MustParsePrefix("2001:db8:1:1::2/64"), IPv6Gateway: netip.MustParseAddr("2001:db8:1:1::1")},
		{Macvlan: true, Name: "mv-eth1", Link: "eth1", HWAddr: "06:12:34:56:78:9a"},
	}
	c.Autostart = Autostart{Enable: true, Order: 10, Delay: 2}
	c.Cgroup = CgroupV1
	c.Limits = Limits{MemoryBytes: 512 << 20, CPUs: 1.5, Pids: 100}
	c.LogFile = "/var/lib/nixlxc/lxc/web/lxc.log"
	c.ConsoleLog = "/var/lib/nixlxc/lxc/web/console.log"
	c.Seccomp = "/var/lib/nixlxc/nixlxc.seccomp"
	c.Extra = []Item{{"lxc.environment", "FOO=bar"}}
	return c
}

func TestRenderGolden(t *testing.T) {
	v2 := full()
	v2.Cgroup = CgroupV2
	for name, c := range map[string]Config{"minimal": minimal(), "full": full(), "full-cgroup2": v2} {
		t.Run(name, func(t *testing.T) {
			got, err := c.Render()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("rendered config differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

func TestRenderParsesBack(t *testing.T) {
	c := full()
	text, err := c.Render()
	if err != nil {
		t.Fatal(err)
	}
	items, err := Parse(string(text))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := c.Items()
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for i := range items {
		if items[i] != want[i] {
			t.Errorf("item %d: got %v, want %v", i, items[i], want[i])
		}
	}
	if got := Lookup(items, "lxc.net.0.ipv4.address"); len(got) != 1 || got[0] != "10.101.0.2/16 10.101.255.255" {
		t.Errorf("hostonly address: got %q, want the address with its broadcast", got)
	}
}

func TestRenderRefusesInjection(t *testing.T) {
	cases := map[string]func(*Config){
		"newline in name":      func(c *Config) { c.Name = "web\nlxc.idmap = u 0 0 65536" },
		"NUL in rootfs":        func(c *Config) { c.RootFS = "/x\x00y" },
		"CR in init":           func(c *Config) { c.Init = "/init\r" },
		"newline in mount":     func(c *Config) { c.Mounts[0].Source = "/nix/store\nlxc.x = y" },
		"space in mount opts":  func(c *Config) { c.Mounts[0].Options = "ro bind" },
		"absolute target":      func(c *Config) { c.Mounts[0].Target = "/nix/store" },
		"newline in extra":     func(c *Config) { c.Extra = []Item{{"lxc.environment", "A=1\nlxc.idmap = u 0 0 1"}} },
		"bad extra key":        func(c *Config) { c.Extra = []Item{{"lxc.environment\nx", "1"}} },
		"bad id map kind":      func(c *Config) { c.IDMaps[0].Kind = 'x' },
		"negative memory":      func(c *Config) { c.Cgroup = CgroupV1; c.Limits.MemoryBytes = -1 },
		"tiny cpu share":       func(c *Config) { c.Cgroup = CgroupV1; c.Limits.CPUs = 0.001 },
		"missing init":         func(c *Config) { c.Init = "" },
		"trailing space value": func(c *Config) { c.Name = "web " },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			c := minimal()
			mutate(&c)
			out, err := c.Render()
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got err %v and output:\n%s\nwant ErrInvalid", err, out)
			}
		})
	}
}

func TestParseExtra(t *testing.T) {
	good := "# limits\nlxc.cgroup.memory.limit_in_bytes = 1G\n\nlxc.environment = A=b=c\nlxc.mount.entry = /srv srv none bind,create=dir 0 0\nlxc.prlimit.nofile = 4096\nlxc.cgroup2.cpu.weight = 50\n"
	items, err := ParseExtra(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 || items[1] != (Item{"lxc.environment", "A=b=c"}) {
		t.Errorf("got %v", items)
	}
	for _, bad := range []string{
		"lxc.idmap = u 0 0 65536",
		"lxc.rootfs.path = dir:/",
		"lxc.net.0.link = br0",
		"lxc.include = /etc/passwd",
		"not a line",
		"foo.bar = 1",
		"lxc.environment = a\x00b",
		"lxc.console.logfile = /etc/cron.d/pwn",
		"lxc.namespace.keep = net",
		"lxc.mount.auto = cgroup:rw:force",
		"lxc.apparmor.profile = unconfined",
		"lxc.seccomp.profile = /tmp/x",
		"lxc.cap.keep = sys_admin",
		"lxc.hook.pre-start = /bin/sh",
		"lxc.hook = x",
		"lxc.ephemeral = 1",
		"lxc.autodev = 0",
		"lxc.mount.fstab = /etc/fstab",
	} {
		if _, err := ParseExtra(bad); err == nil {
			t.Errorf("ParseExtra(%q) accepted it", bad)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("error for %q spans lines: %q", bad, err)
		}
	}
}

func TestBroadcast(t *testing.T) {
	for in, want := range map[string]string{
		"10.101.0.2/16": "10.101.255.255",
		"10.0.3.10/24":  "10.0.3.255",
		"10.0.0.1/32":   "10.0.0.1",
		"1.2.3.4/0":     "255.255.255.255",
	} {
		if got := Broadcast(netip.MustParsePrefix(in)).String(); got != want {
			t.Errorf("Broadcast(%s) = %s, want %s", in, got, want)
		}
	}
}

// FuzzRender: whatever a user puts into names, paths or extra config, the
// rendered text either is refused or parses back into exactly the same lines.
func FuzzRender(f *testing.F) {
	f.Add("web", "/var/lib/nixlxc/lxc/web/rootfs", "lxc.environment = A=1")
	f.Add("a\nb", "/x y", "lxc.idmap = u 0 0 1")
	f.Add("web", "/r", "lxc.environment = \x00")
	f.Fuzz(func(t *testing.T, name, rootfs, extra string) {
		c := minimal()
		c.Name = name
		c.RootFS = rootfs
		c.Mounts = append(c.Mounts, Mount{Source: rootfs, Target: "mnt", Options: "bind"})
		items, err := ParseExtra(extra)
		if err != nil {
			return
		}
		c.Extra = items
		text, err := c.Render()
		if err != nil {
			return
		}
		if strings.ContainsRune(string(text), 0) {
			t.Fatalf("NUL in rendered config")
		}
		back, err := Parse(string(text))
		if err != nil {
			t.Fatalf("rendered config does not parse: %v\n%s", err, text)
		}
		want, _ := c.Items()
		if len(back) != len(want) {
			t.Fatalf("rendered %d items, parsed back %d:\n%s", len(want), len(back), text)
		}
		for i := range back {
			if back[i] != want[i] {
				t.Fatalf("item %d: parsed %v, rendered %v", i, back[i], want[i])
			}
		}
	})
}

// Lookup returns the values of key in items, in order.
func Lookup(items []Item, key string) []string {
	var vs []string
	for _, it := range items {
		if it.Key == key {
			vs = append(vs, it.Value)
		}
	}
	return vs
}

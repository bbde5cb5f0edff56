package container

import (
	"encoding/json"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
)

// A Manager for rendering only: nothing is created on disk.
func renderOnly() *Manager {
	paths := layout{stateDir: "/var/lib/nixlxc", profileDir: "/nix/var/nix/profiles/per-container"}
	recs := &records{paths: paths}
	return &Manager{paths: paths, recs: recs, cfg: &configs{paths: paths, recs: recs}, lxc: lxcRuntime{lxcapi.Runtime{Path: "/var/lib/nixlxc/lxc"}}}
}

// FuzzContainerConfig: whatever name and settings a user writes, what
// nixlxc accepts renders to an LXC config whose paths stay inside its
// directories, whose interface names fit in 15 characters, and in which
// no line carries a newline or NUL.
func FuzzContainerConfig(f *testing.F) {
	f.Add("web", `{"autostart":{"order":1},"network":{"enableNat":true},"lxcExtraConfig":"lxc.environment = A=1","limits":{"memory":"1G","pids":10}}`)
	f.Add("a-b", `{"lxcExtraConfig":"lxc.mount.entry = /srv srv none bind,create=dir 0 0"}`)
	f.Add("../x", `{}`)
	f.Fuzz(func(t *testing.T, name, settingsJSON string) {
		if spec.CheckName(name) != nil {
			return
		}
		var e spec.Evaluated
		if json.Unmarshal([]byte(settingsJSON), &e) != nil {
			return
		}
		s, _, err := spec.FromEvaluated(e)
		if err != nil {
			return
		}
		m := renderOnly()
		rec := &record{Name: name, IDMapBase: 165536}
		nets := []lxcconf.Network{{
			Name: "hostonly", Link: bridges.Hostonly, HostVeth: bridges.HostonlyVethPrefix + name,
			HWAddr: "02:6e:6c:00:00:01", IPv4: netip.MustParsePrefix("10.101.0.2/16"),
		}}
		if s.Network.EnableNat {
			nets = append(nets, lxcconf.Network{Name: "internet", Link: bridges.Internet, HostVeth: bridges.InternetVethPrefix + name,
				IPv4: netip.MustParsePrefix("10.202.0.2/16")})
		}
		c := m.cfg.lxcConfig(rec, s, nets)
		text, err := c.Render()
		if err != nil {
			t.Fatalf("accepted settings do not render: %v", err)
		}
		items, err := lxcconf.Parse(string(text))
		if err != nil {
			t.Fatalf("rendered config does not parse: %v", err)
		}
		dir := filepath.Join(m.paths.lxcPath(), name)
		for _, it := range items {
			switch {
			case strings.HasSuffix(it.Key, ".veth.pair") || strings.HasSuffix(it.Key, ".name") && strings.HasPrefix(it.Key, "lxc.net."):
				if len(it.Value) > 15 {
					t.Fatalf("interface name %q is longer than 15", it.Value)
				}
			case it.Key == "lxc.rootfs.path" || it.Key == "lxc.log.file" || it.Key == "lxc.console.logfile":
				p := strings.TrimPrefix(it.Value, "dir:")
				if filepath.Clean(p) != p || !strings.HasPrefix(p, dir+"/") {
					t.Fatalf("%s = %s escapes %s", it.Key, p, dir)
				}
			}
			if strings.ContainsAny(it.Key+it.Value, "\n\r\x00") {
				t.Fatalf("line %q", it)
			}
		}
	})
}

func TestRenderedConfig(t *testing.T) {
	m := renderOnly()
	rec := &record{Name: "web", IDMapBase: 165536}
	s := spec.Settings{Autostart: spec.Autostart{Enable: true, Order: 3}, Limits: spec.Limits{Pids: 50}}
	c := m.cfg.lxcConfig(rec, s, nil)
	text, err := c.Render()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"lxc.idmap = u 0 165536 65536",
		"lxc.idmap = g 0 165536 65536",
		"lxc.rootfs.path = dir:/var/lib/nixlxc/lxc/web/rootfs",
		"lxc.init.cmd = /nix/var/nix/profiles/system/init",
		"lxc.mount.entry = /nix/store nix/store none ro,bind,idmap=container,create=dir 0 0",
		"lxc.mount.entry = /nix/var/nix/profiles/per-container/web nix/var/nix/profiles none ro,bind,idmap=container,create=dir 0 0",
		"lxc.apparmor.profile = generated",
		"lxc.mount.entry = /var/lib/nixlxc/lxc/web/run run/nixlxc none rw,bind,create=dir 0 0",
		"lxc.start.auto = 1",
		"lxc.start.order = 3",
		"pids.max = 50",
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("config lacks %q:\n%s", want, text)
		}
	}
}

package spec

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"web", "a", "web-1", "0day", "abcdefghijk"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q) = %v, want ok", ok, err)
		}
	}
	for _, bad := range []string{"", "..", ".", "/", "a/b", "Web", "web\n", "-web", "web-", "abcdefghijkl", "we b", "wéb", "web.x", "a\x00"} {
		err := CheckName(bad)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckName(%q) = %v, want ErrInvalid", bad, err)
			continue
		}
		if strings.ContainsAny(err.Error(), "\n\x00") {
			t.Errorf("error for %q is not one clean line: %q", bad, err)
		}
	}
}

func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"web", "..", "a/b", "x\n", "abcdefghijk"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if CheckName(name) != nil {
			return
		}
		if len(name) > MaxNameLength || len("nh-"+name) > 15 {
			t.Fatalf("accepted %q: interface name too long", name)
		}
		if filepath.Base(name) != name || name == "." || name == ".." || filepath.Clean("/x/"+name) != "/x/"+name {
			t.Fatalf("accepted %q: escapes a directory", name)
		}
		if !utf8.ValidString(name) || strings.ContainsAny(name, "\n\r\x00 /") {
			t.Fatalf("accepted %q", name)
		}
	})
}

func eval(t *testing.T, js string) Evaluated {
	t.Helper()
	var e Evaluated
	if err := json.Unmarshal([]byte(js), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestFromEvaluated(t *testing.T) {
	cases := []struct {
		js   string
		want Settings
	}{
		{`{"form":"module"}`, Settings{}},
		{`{"form":"attrset","autostart":true}`, Settings{Autostart: Autostart{Enable: true}}},
		{`{"form":"attrset","autostart":{"order":3,"delay":2}}`, Settings{Autostart: Autostart{Enable: true, Order: 3, Delay: 2}}},
		{`{"form":"attrset","autostart":{"enable":false,"order":3}}`, Settings{Autostart: Autostart{Order: 3}}},
		{`{"form":"attrset","network":{"ip":"10.10.1.2","bridge":"myOwnBridge","enableNat":false}}`,
			Settings{Network: Network{IP: "10.10.1.2", Bridge: "myOwnBridge"}}},
		{`{"form":"attrset","network":{"enableNat":true}}`, Settings{Network: Network{EnableNat: true}}},
		{`{"form":"attrset","lxcExtraConfig":"lxc.environment = A=1\n"}`, Settings{LXCExtraConfig: "lxc.environment = A=1\n"}},
		{`{"form":"attrset","limits":{"memory":"512M","cpus":1.5,"pids":100}}`, Settings{Limits: Limits{Memory: "512M", CPUs: 1.5, Pids: 100}}},
		{`{"form":"attrset","bindMounts":{"/data":{"hostPath":"/srv/web"},"/b/rw":{"hostPath":"/srv/rw","isReadOnly":false},"/same":{},"/x":{"mountPoint":"/y","hostPath":"/srv/y"}}}`,
			Settings{BindMounts: []BindMount{
				{MountPoint: "/b/rw", HostPath: "/srv/rw"},
				{MountPoint: "/data", HostPath: "/srv/web", ReadOnly: true},
				{MountPoint: "/same", HostPath: "/same", ReadOnly: true},
				{MountPoint: "/y", HostPath: "/srv/y", ReadOnly: true},
			}}},
		{`{"form":"attrset","forwardPorts":[{"hostPort":8080,"containerPort":80},{"protocol":"udp","hostPort":53,"containerPort":null},{"hostPort":8080,"hostAddress":"2001:db8::5","protocol":"udp"}]}`,
			Settings{ForwardPorts: []ForwardPort{
				{Protocol: "tcp", HostPort: 8080, ContainerPort: 80},
				{Protocol: "udp", HostPort: 53, ContainerPort: 53},
				{Protocol: "udp", HostPort: 8080, ContainerPort: 8080, HostAddress: "2001:db8::5"},
			}}},
		{`{"form":"attrset","ephemeral":true,"macvlans":["eth1","enp0s31f6-very"]}`, Settings{Ephemeral: true, Macvlans: []string{"eth1", "enp0s31f6-very"}}},
		{`{"form":"attrset","ephemeral":false,"macvlans":[],"forwardPorts":[]}`, Settings{}},
	}
	for _, c := range cases {
		got, _, err := FromEvaluated(eval(t, c.js))
		if err != nil {
			t.Errorf("%s: %v", c.js, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", c.js, got, c.want)
		}
	}
}

func TestFromEvaluatedRefuses(t *testing.T) {
	for js, want := range map[string]string{
		`{"unknown":["autostrat"]}`:                                          `setting "autostrat"`,
		`{"autostart":"yes"}`:                                                "autostart",
		`{"autostart":{"enable":true,"oder":1}}`:                             `unknown attribute "oder"`,
		`{"network":{"ip":"10.101.0.300"}}`:                                  "not an IPv4 address",
		`{"network":{"ip":"fe80::1"}}`:                                       "not an IPv4 address",
		`{"network":{"ip":7}}`:                                               "ip must be a string",
		`{"network":{"bridge":"myOwnBridge"}}`:                               "network.ip is required",
		`{"network":{"bridge":"bad/name","ip":"10.0.0.2"}}`:                  "network.bridge",
		`{"network":{"ip":"10.0.0.2","gateway":"10.0.0.1"}}`:                 "gateway",
		`{"lxcExtraConfig":"lxc.idmap = u 0 0 65536"}`:                       "set by nixlxc itself",
		`{"lxcExtraConfig":"lxc.environment = a\u0000b"}`:                    "control character",
		`{"limits":{"memory":"lots"}}`:                                       "not a size",
		`{"limits":{"memory":"1K"}}`:                                         "below the 4M",
		`{"limits":{"pids":0}}`:                                              "limits.pids",
		`{"limits":{"pids":1.5}}`:                                            "limits.pids",
		`{"limits":{"cpus":0}}`:                                              "limits.cpus",
		`{"limits":{"swap":"1G"}}`:                                           `unknown attribute "swap"`,
		`{"name":3}`:                                                         "name",
		`{"autostart":{"delay":-1}}`:                                         "autostart.delay",
		`{"network":{"ip":"10.10.1.2/31"}}`:                                  "prefix length",
		`{"network":{"ip":"10.10.1.2\nlxc.idmap = u 0 0 1"}}`:                "not an IPv4 address",
		`{"bindMounts":["/srv"]}`:                                            "bindMounts",
		`{"bindMounts":{"/data":{"hostpath":"/srv"}}}`:                       `unknown attribute "hostpath"`,
		`{"bindMounts":{"/data":{"hostPath":"srv"}}}`:                        `hostPath "srv"`,
		`{"bindMounts":{"data":{"hostPath":"/srv"}}}`:                        `mount point "data"`,
		`{"bindMounts":{"/a/../b":{"hostPath":"/srv"}}}`:                     "clean",
		`{"bindMounts":{"/":{"hostPath":"/srv"}}}`:                           "root",
		`{"bindMounts":{"/a":{},"/b":{"mountPoint":"/a"}}}`:                  "twice",
		`{"bindMounts":{"/a":{"isReadOnly":"yes"}}}`:                         "isReadOnly",
		`{"bindMounts":{"/a":{"HostPath":"/srv"}}}`:                          `unknown attribute "HostPath"`,
		`{"forwardPorts":{"hostPort":80}}`:                                   "must be a list",
		`{"forwardPorts":[{"containerPort":80}]}`:                            "hostPort is required",
		`{"forwardPorts":[{"hostPort":0}]}`:                                  "not a port",
		`{"forwardPorts":[{"hostPort":70000}]}`:                              "not a port",
		`{"forwardPorts":[{"hostPort":80.5}]}`:                               "not a port",
		`{"forwardPorts":[{"hostPort":"80"}]}`:                               "hostPort must be a number",
		`{"forwardPorts":[{"hostPort":80,"containerPort":-1}]}`:              "containerPort -1",
		`{"forwardPorts":[{"hostPort":80,"protocol":"sctp"}]}`:               `protocol "sctp"`,
		`{"forwardPorts":[{"hostPort":80,"hostport":81}]}`:                   `unknown attribute "hostport"`,
		`{"forwardPorts":[{"hostPort":80,"hostAddress":"localhost"}]}`:       "not an IP address",
		`{"forwardPorts":[{"hostPort":80,"hostAddress":"127.0.0.1"}]}`:       "loopback",
		`{"forwardPorts":[{"hostPort":80,"hostAddress":"fe80::1"}]}`:         "link-local",
		`{"forwardPorts":[{"hostPort":80,"hostAddress":"::ffff:10.0.0.1"}]}`: "not an IP address",
		`{"forwardPorts":[{"hostPort":80},{"hostPort":80,"hostAddress":"10.0.0.1","containerPort":81}]}`: "forwarded twice",
		`{"ephemeral":"yes"}`:                            "ephemeral: must be a boolean",
		`{"macvlans":"eth1"}`:                            "macvlans: must be a list",
		`{"macvlans":["brNC-hostonly"]}`:                 "nixlxc's own bridge",
		`{"macvlans":["ni-web"]}`:                        "veths",
		`{"macvlans":["eth1","eth1"]}`:                   "twice",
		`{"macvlans":["enp0s31f6abcd","enp0s31f6abce"]}`: "both be mv-enp0s31f6abc",
		`{"macvlans":["a/b"]}`:                           "not an interface name",
	} {
		_, _, err := FromEvaluated(eval(t, js))
		if !errors.Is(err, ErrInvalid) && err != nil && !strings.Contains(err.Error(), "invalid") {
			t.Errorf("%s: got %v, want an invalid-setting error", js, err)
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want it to mention %q", js, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", js, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"512M": 512 << 20, "2G": 2 << 30, "1.5G": 3 << 29, "8388608": 8 << 20, "64Mi": 64 << 20, "1t": 1 << 40} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func FuzzSettings(f *testing.F) {
	f.Add(`{"network":{"ip":"10.10.1.2","bridge":"br0"},"autostart":{"order":1},"limits":{"memory":"1G"}}`)
	f.Add(`{"lxcExtraConfig":"lxc.environment = x"}`)
	f.Add(`{"forwardPorts":[{"hostPort":8080,"containerPort":80,"hostAddress":"10.0.0.1"}],"ephemeral":true,"macvlans":["eth1"]}`)
	f.Fuzz(func(t *testing.T, js string) {
		var e Evaluated
		if json.Unmarshal([]byte(js), &e) != nil {
			return
		}
		s, _, err := FromEvaluated(e)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if s.Network.Bridge != "" && CheckInterfaceName(s.Network.Bridge) != nil {
			t.Fatalf("accepted bridge %q", s.Network.Bridge)
		}
		if strings.ContainsAny(s.Network.IP, "\n\x00 ") {
			t.Fatalf("accepted ip %q", s.Network.IP)
		}
		for _, it := range s.Extra() {
			if strings.ContainsAny(it.Key+it.Value, "\n\r\x00") {
				t.Fatalf("accepted extra line %q", it)
			}
		}
		for _, f := range s.ForwardPorts {
			if f.HostPort < 1 || f.HostPort > 65535 || f.ContainerPort < 1 || f.ContainerPort > 65535 || (f.Protocol != "tcp" && f.Protocol != "udp") {
				t.Fatalf("accepted forward %+v", f)
			}
			if f.HostAddress != "" && f.Family() == 0 {
				t.Fatalf("accepted host address %q", f.HostAddress)
			}
		}
		for _, p := range s.Macvlans {
			if CheckInterfaceName(p) != nil || p == HostonlyBridge || len(MacvlanName(p)) > 15 {
				t.Fatalf("accepted macvlan parent %q", p)
			}
		}
		// What was accepted is accepted again when read back from a
		// generation.
		if _, err := ParseRecorded([]byte(s.JSON())); err != nil {
			t.Fatalf("recorded settings %s refused: %v", s.JSON(), err)
		}
	})
}

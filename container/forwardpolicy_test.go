package container

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/hostports"
)

// A forward takes only what the host gives: its own addresses, ports no
// host process serves, ports below 1024 only when host.json allows them.
// A refused create builds and leaves nothing; setup leaves out recorded
// forwards the host no longer gives, with a warning.
func TestForwardPolicy(t *testing.T) {
	tm := newTestManager(t)
	tm.host.addresses = []bridges.LinkAddress{
		{Addr: netip.MustParseAddr("198.51.100.1"), Link: "eth0"},
		{Addr: bridges.HostonlyHost, Link: bridges.Hostonly},
	}
	tm.host.listeners = []hostports.Listener{{Protocol: "tcp", Addr: netip.MustParseAddr("0.0.0.0"), Port: 2222}}
	fwd := func(f map[string]any) map[string]any {
		return map[string]any{"forwardPorts": []map[string]any{f}}
	}
	tm.must(tm.Create(ctx, "victim", tm.config("victim.json", "v", nil), CreateOptions{}))
	builds := len(tm.nix.builds)
	for _, c := range []struct {
		f    map[string]any
		want string
	}{
		{map[string]any{"hostPort": 9102, "hostAddress": "10.101.0.2"}, "hostAddress 10.101.0.2 is in nixlxc's container network"},
		{map[string]any{"hostPort": 8053, "hostAddress": "8.8.8.8"}, "hostAddress 8.8.8.8 is not one of the host's addresses"},
		{map[string]any{"hostPort": 22}, "host port tcp 22 is privileged"},
		{map[string]any{"hostPort": 2222}, "host port tcp 2222 is in use by a host process (listening on 0.0.0.0:2222)"},
	} {
		err := tm.Create(ctx, "thief", tm.config("thief.json", "t", fwd(c.f)), CreateOptions{})
		if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("create with %v: %v, want %q", c.f, err, c.want)
		}
		if len(tm.nix.builds) != builds || tm.Exists("thief") || len(tm.host.forwards) != 0 {
			t.Errorf("the refused create with %v built or left something (forwards %v)", c.f, tm.host.forwards)
		}
	}
	// The host's own addresses, and a privileged port once allowed.
	tm.must(tm.Create(ctx, "ok", tm.config("ok.json", "o", fwd(map[string]any{"hostPort": 8080, "hostAddress": "198.51.100.1"})), CreateOptions{}))
	tm.must(tm.Update(ctx, "ok", tm.config("ok.json", "o", fwd(map[string]any{"hostPort": 8080, "hostAddress": "10.101.0.1"})), UpdateOptions{}))
	tm.host.config.AllowPrivilegedForwards = true
	tm.net.hostCfg = nil
	tm.must(tm.Update(ctx, "ok", tm.config("ok.json", "o", fwd(map[string]any{"hostPort": 80})), UpdateOptions{}))

	// A host process takes the port since: setup leaves the forward out
	// and says so; the container's start then refuses, naming the port.
	tm.host.listeners = append(tm.host.listeners, hostports.Listener{Protocol: "tcp", Addr: netip.MustParseAddr("10.101.0.1"), Port: 80})
	tm.must(tm.HostSetup(ctx))
	if _, ok := tm.host.forwards["ok"]; ok {
		t.Errorf("setup kept a forward of a port a host process serves: %v", tm.host.forwards)
	}
	if w := tm.said(); !strings.Contains(w, "ok: its port forwards are left out: host port tcp 80 is in use by a host process") {
		t.Errorf("setup's warnings: %q", w)
	}
	if err := tm.Start(ctx, "ok", StartOptions{}); KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "tcp 80 is in use") {
		t.Errorf("start with a port a host process serves: %v", err)
	}
}

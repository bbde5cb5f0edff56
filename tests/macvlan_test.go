package tests

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMacvlan: a container with a macvlan on a host interface (a veth of
// the test's namespace whose peer is a "LAN" namespace) answers on the
// parent's network at the address its own configuration gives; parents
// that are nixlxc's own, or missing, are refused.
func TestMacvlan(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	lan := fmt.Sprintf("nixlxc-lan-%d", os.Getpid())
	sh(t, "ip", "netns", "add", lan)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", lan).Run() })
	sh(t, "ip", "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", lan)
	sh(t, "ip", "link", "set", "lan0", "up")
	inLAN := func(args ...string) *exec.Cmd {
		return exec.Command("ip", append([]string{"netns", "exec", lan}, args...)...)
	}
	for _, args := range [][]string{{"ip", "link", "set", "lo", "up"}, {"ip", "addr", "add", "192.0.2.1/24", "dev", "eth0"}, {"ip", "link", "set", "eth0", "up"}} {
		if out, err := inLAN(args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", args, err, out)
		}
	}

	h.must("create", "mvlan", h.file("mvlan.nix", `{
  macvlans = [ "lan0" ];
  configuration = { pkgs, name, ... }: {
    # The container addresses its macvlan itself.
    system.activationScripts.lan = "${pkgs.busybox}/bin/ip addr add 192.0.2.10/24 dev mv-lan0 || true";
    environment.etc."www/index.html".text = "hello from ${name} on the LAN";
    systemd.services.httpd = {
      wantedBy = [ "multi-user.target" ];
      serviceConfig.ExecStart = "${pkgs.busybox}/bin/httpd -f -p 80 -h /etc/www";
    };
  };
}`))
	h.must("start", "mvlan")
	if out, err := inLAN("busybox", "ping", "-c", "1", "-W", "2", "192.0.2.10").CombinedOutput(); err != nil {
		t.Errorf("the LAN cannot ping the container's macvlan: %v\n%s", err, out)
	}
	out, _ := inLAN("timeout", "5", "busybox", "wget", "-q", "-O", "-", "http://192.0.2.10/").Output()
	if !strings.Contains(string(out), "hello from mvlan on the LAN") {
		t.Errorf("the LAN got %q from the container", out)
	}
	if !h.ping("mvlan", "192.0.2.1") {
		t.Error("the container cannot reach the LAN")
	}
	mac := strings.TrimSpace(h.must("run", "mvlan", "--", "cat", "/sys/class/net/mv-lan0/address"))
	h.must("stop", "mvlan")
	h.must("start", "mvlan")
	if again := strings.TrimSpace(h.must("run", "mvlan", "--", "cat", "/sys/class/net/mv-lan0/address")); again != mac {
		t.Errorf("the macvlan's MAC changed across a restart: %s, then %s", mac, again)
	}
	// Its hostonly interface is there as always.
	if !pingFromHost(h.ip("mvlan")) {
		t.Error("the host cannot reach the container's hostonly address")
	}

	for _, c := range []struct{ parent, mention string }{
		{"brNC-hostonly", "nixlxc's own bridge"},
		{"nh-mvlan", "veths"},
		{"lan9", "no host interface lan9"},
	} {
		h.fails(2, []string{"macvlans", c.mention}, "create", "mvbad", h.file("mvbad.nix", `{ macvlans = [ "`+c.parent+`" ]; configuration = { ... }: { }; }`))
	}
	// A parent gone since: the start says so.
	h.must("stop", "mvlan")
	sh(t, "ip", "link", "del", "lan0")
	h.fails(2, []string{"macvlans", "lan0"}, "start", "mvlan")
	h.must("destroy", "mvlan")
}

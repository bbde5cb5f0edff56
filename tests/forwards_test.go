package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fwConfig is a container serving "hello from NAME" on port 80, with the
// given settings around it.
func (h *host) fwConfig(name, settings string) string {
	return h.file(name+".nix", fmt.Sprintf(`{
  %s
  configuration = { pkgs, name, ... }: {
    environment.etc."www/index.html".text = "hello from ${name}";
    systemd.services.httpd = {
      wantedBy = [ "multi-user.target" ];
      serviceConfig.ExecStart = "${pkgs.busybox}/bin/httpd -f -p 80 -h /etc/www";
    };
  };
}`, settings))
}

// get fetches url from the upstream namespace.
func (u *upstream) get(url string) string {
	out, _ := exec.Command("ip", "netns", "exec", u.name, "timeout", "5", "busybox", "wget", "-q", "-O", "-", url).Output()
	return string(out)
}

// getFrom fetches url from inside a container.
func (h *host) getFrom(container, url string) string {
	return h.nixlxc("run", container, "--", "timeout", "5", "wget", "-q", "-O", "-", url).stdout
}

func nftTable(t *testing.T) string {
	out, _ := exec.Command("nft", "list", "table", "inet", "nixlxc").CombinedOutput()
	return string(out)
}

// TestForwardPorts: a forwarded port answers from outside the host (an
// upstream namespace, IPv4 and IPv6) and from the host itself, for a NAT
// container and a hostonly one, and from other containers (hairpin); a
// port another container holds is refused, naming it; the rules follow an
// update in place, come back after a flushed ruleset, and go with the
// container; doctor finds orphaned ones.
func TestForwardPorts(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	u := newUpstream(t)
	h.hostJSON(`{ "internetInterface": "up0", "ipv6": { "enable": true,
	  "ipv6InternetInterfaceAddress": "2001:db8:1:1::1", "ipv6Prefix": "2001:db8:1:1::", "ipv6PrefixLength": 64 } }`)
	const hostV4, hostV6 = "198.51.100.1", "[2001:db8:ffff::1]"

	h.must("create", "fwnat", h.fwConfig("fwnat", `network.enableNat = true;
  forwardPorts = [ { hostPort = 8080; containerPort = 80; } ];`))
	h.must("create", "fwho", h.fwConfig("fwho", `forwardPorts = [ { protocol = "tcp"; hostPort = 8081; containerPort = 80; hostAddress = "198.51.100.1"; } ];`))
	h.must("create", "fwpeer", h.fwConfig("fwpeer", `network.enableNat = true;`))
	h.must("start", "fwnat")
	h.must("start", "fwho")
	h.must("start", "fwpeer")

	for _, c := range []struct{ what, got, want string }{
		{"upstream -> NAT container, IPv4", u.get("http://" + hostV4 + ":8080/"), "hello from fwnat"},
		{"upstream -> NAT container, IPv6", u.get("http://" + hostV6 + ":8080/"), "hello from fwnat"},
		{"upstream -> hostonly container on its host address", u.get("http://" + hostV4 + ":8081/"), "hello from fwho"},
		{"host -> NAT container", httpGet("http://" + hostV4 + ":8080/"), "hello from fwnat"},
		{"host -> NAT container on brNC-hostonly's address", httpGet("http://10.101.0.1:8080/"), "hello from fwnat"},
		{"host -> NAT container, IPv6", httpGet("http://" + hostV6 + ":8080/"), "hello from fwnat"},
		{"host -> hostonly container", httpGet("http://" + hostV4 + ":8081/"), "hello from fwho"},
		{"hostonly container -> NAT container's port", h.getFrom("fwho", "http://10.101.0.1:8080/"), "hello from fwnat"},
		{"NAT container -> another's port on the host, same bridge (hairpin)", h.getFrom("fwpeer", "http://"+hostV4+":8080/"), "hello from fwnat"},
		{"NAT container -> another's port on the host, IPv6 (hairpin)", h.getFrom("fwpeer", "http://"+hostV6+":8080/"), "hello from fwnat"},
		{"NAT container -> hostonly container's port", h.getFrom("fwnat", "http://"+hostV4+":8081/"), "hello from fwho"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}
	// hostAddress limits a forward to that address.
	if got := httpGet("http://10.101.0.1:8081/"); got != "" {
		t.Errorf("fwho's forward, on 198.51.100.1 only, answered on 10.101.0.1: %q", got)
	}
	// A hostonly container still reaches nothing else.
	if h.ping("fwho", upstreamV4) {
		t.Error("with ports forwarded, a hostonly container reaches upstream")
	}

	// A taken port is refused before anything is built, naming its holder.
	r := h.fails(2, []string{"forwardPorts", "tcp 8080", "fwnat"}, "create", "fwdup", h.fwConfig("fwdup", `forwardPorts = [ { hostPort = 8080; } ];`))
	if strings.Contains(r.stdout, "building") {
		t.Errorf("create built before refusing the port: %s", r.stdout)
	}
	if left := h.leftovers("fwdup"); len(left) > 0 {
		t.Errorf("the refused create left %v", left)
	}
	h.fails(2, []string{"hostAddress", "IPv6", "fwho"}, "update", "fwho", h.fwConfig("fwho6", `forwardPorts = [ { hostPort = 8082; hostAddress = "2001:db8:ffff::1"; } ];`))

	// An update in place moves the forward, without a restart.
	pid := h.initPID("fwnat")
	h.must("update", "fwnat", h.fwConfig("fwnat", `network.enableNat = true;
  forwardPorts = [ { hostPort = 9090; containerPort = 80; } ];`))
	if h.initPID("fwnat") != pid {
		t.Error("the update restarted the container")
	}
	if got := u.get("http://" + hostV4 + ":9090/"); !strings.Contains(got, "hello from fwnat") {
		t.Errorf("after the update, 9090: %q", got)
	}
	if got := u.get("http://" + hostV4 + ":8080/"); got != "" {
		t.Errorf("after the update, 8080 still answers: %q", got)
	}
	h.must("rollback", "fwnat")
	if got := u.get("http://" + hostV4 + ":8080/"); !strings.Contains(got, "hello from fwnat") {
		t.Errorf("after the rollback, 8080: %q", got)
	}

	// A flushed ruleset takes the forwards; host setup brings them back.
	sh(t, "nft", "flush", "ruleset")
	h.must("host", "setup")
	if got := u.get("http://" + hostV4 + ":8080/"); !strings.Contains(got, "hello from fwnat") {
		t.Errorf("after a flush and setup: %q", got)
	}
	h.must("doctor")

	// Destroy takes the container's rules, and only its.
	h.must("destroy", "--force", "fwnat")
	table := nftTable(t)
	if strings.Contains(table, "nixlxc:fwnat") || !strings.Contains(table, "nixlxc:fwho") {
		t.Errorf("after destroying fwnat:\n%s", table)
	}
	if got := httpGet("http://" + hostV4 + ":8081/"); !strings.Contains(got, "hello from fwho") {
		t.Errorf("fwho's forward after fwnat's destroy: %q", got)
	}

	// An orphan: forwards recorded for a container that does not exist
	// (a crash between the two), put into the tables by a setup.
	forwards := filepath.Join(h.stateDir, "forwards.json")
	data := readFile(t, forwards)
	ghost := strings.Replace(data, `"fwho"`, `"ghost"`, 1)
	if ghost == data {
		t.Fatalf("forwards.json does not name fwho:\n%s", data)
	}
	if err := os.WriteFile(forwards, []byte(ghost), 0o600); err != nil {
		t.Fatal(err)
	}
	h.must("host", "setup")
	r = h.nixlxc("doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "ghost: port forwards of a container that does not exist") ||
		!strings.Contains(r.stdout, "fwho: its port forwards are not recorded") {
		t.Errorf("doctor with an orphan: %s", r)
	}
	h.must("doctor", "--repair")
	h.must("doctor")
	if table := nftTable(t); strings.Contains(table, "nixlxc:ghost") || !strings.Contains(table, "nixlxc:fwho") {
		t.Errorf("after the repair:\n%s", table)
	}
	h.must("destroy", "--force", "fwho")
	h.must("destroy", "--force", "fwpeer")
	if table := nftTable(t); strings.Contains(table, "comment") {
		t.Errorf("rules left after every container is gone:\n%s", table)
	}
	if f := strings.TrimSpace(readFile(t, "/proc/sys/net/ipv4/conf/brNC-hostonly/forwarding")); f != "0" {
		t.Errorf("brNC-hostonly forwards (%s) with no port forwarded", f)
	}
}

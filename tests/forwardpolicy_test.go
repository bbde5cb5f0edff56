package tests

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostService answers "host service on PORT" on every address of the
// test's namespace (the host's, to nixlxc), as an sshd would listen.
func hostService(t *testing.T, port int) {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "host service on %d", port)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

// TestForwardHijackRefused: a config file's forwardPorts cannot take
// traffic that is not its container's: another container's address or an
// address the host does not have (8.8.8.8) as hostAddress, a port a host
// process listens on, a privileged port; nor can a recorded forward that
// does so come back at a host setup or a start. The host's own
// connections to its other ports, and containers' to the host's services,
// reach the host.
func TestForwardHijackRefused(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	victim := h.file("fhvictim.nix", `{
  configuration = { pkgs, name, ... }: {
    environment.etc."www/index.html".text = "hello from ${name}";
    systemd.services.httpd = {
      wantedBy = [ "multi-user.target" ];
      serviceConfig.ExecStart = "${pkgs.busybox}/bin/httpd -f -p 9102 -h /etc/www";
    };
  };
}`)
	h.must("create", "fhvictim", victim)
	h.must("start", "fhvictim")
	var victimIP string
	for _, c := range h.list() {
		if c.Name == "fhvictim" {
			victimIP = c.IPv4
		}
	}
	if victimIP == "" {
		t.Fatalf("no address for fhvictim in %+v", h.list())
	}
	victimURL := "http://" + victimIP + ":9102/"
	eventually(t, 10e9, "fhvictim's httpd", func() bool { return strings.Contains(httpGet(victimURL), "hello from fhvictim") })

	// (1) Another container's address, and one the host does not have.
	h.refused("fhthief", []string{"forwardPorts[0]", "hostAddress " + victimIP, "container network"},
		"create", "fhthief", h.fwConfig("fhthief", fmt.Sprintf(`forwardPorts = [ { hostPort = 9102; containerPort = 80; hostAddress = "%s"; } ];`, victimIP)))
	h.refused("fhthief", []string{"hostAddress 8.8.8.8", "not one of the host's addresses"},
		"create", "fhthief", h.fwConfig("fhthief", `network.enableNat = true; forwardPorts = [ { protocol = "udp"; hostPort = 53; hostAddress = "8.8.8.8"; } ];`))
	// (2) A port a host process listens on, and a privileged one.
	hostService(t, 2299)
	h.refused("fhthief", []string{"fhthief", "host port tcp 2299 is in use by a host process", ":2299"},
		"create", "fhthief", h.fwConfig("fhthief", `forwardPorts = [ { hostPort = 2299; containerPort = 80; } ];`))
	h.refused("fhthief", []string{"tcp 22", "privileged", "allowPrivilegedForwards"},
		"create", "fhthief", h.fwConfig("fhthief", `forwardPorts = [ { hostPort = 22; containerPort = 80; } ];`))
	if table := nftTable(t); strings.Contains(table, "fhthief") {
		t.Errorf("a refused create left rules:\n%s", table)
	}
	if got := httpGet(victimURL); !strings.Contains(got, "hello from fhvictim") {
		t.Errorf("the host's connection to fhvictim: %q", got)
	}

	// A forward the host gives: the host's and containers' connections to
	// its other ports stay the host's.
	h.must("create", "fhok", h.fwConfig("fhok", `forwardPorts = [ { hostPort = 8089; containerPort = 80; } ];`))
	h.must("start", "fhok")
	for _, c := range []struct{ what, got, want string }{
		{"host -> forwarded port", httpGet("http://10.101.0.1:8089/"), "hello from fhok"},
		{"host -> its own service on brNC-hostonly's address", httpGet("http://10.101.0.1:2299/"), "host service on 2299"},
		{"host -> its own service on loopback", httpGet("http://127.0.0.1:2299/"), "host service on 2299"},
		{"container -> the host's service", h.getFrom("fhvictim", "http://10.101.0.1:2299/"), "host service on 2299"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}

	// A recorded forward that would hijack (written by an older nixlxc,
	// or by hand) is left out when setup makes the rules again.
	path := filepath.Join(h.stateDir, "forwards.json")
	var all map[string][]map[string]any
	if err := json.Unmarshal([]byte(readFile(t, path)), &all); err != nil || len(all["fhok"]) != 1 {
		t.Fatalf("forwards.json: %v %v", all, err)
	}
	all["fhok"][0]["hostAddr"], all["fhok"][0]["hostPort"] = victimIP, 9102
	data, _ := json.Marshal(all)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sh(t, "nft", "flush", "ruleset")
	r := h.nixlxc("host", "setup")
	if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "fhok: its port forwards are left out: hostAddress "+victimIP) {
		t.Errorf("host setup with a hijacking forward recorded: %s", r)
	}
	if table := nftTable(t); strings.Contains(table, "nixlxc:fhok") || !strings.Contains(table, "chain prerouting") {
		t.Errorf("after setup:\n%s", table)
	}
	if got := httpGet(victimURL); !strings.Contains(got, "hello from fhvictim") {
		t.Errorf("after setup, the host's connection to fhvictim: %q", got)
	}

	// A host process takes fhok's port while it is stopped: its start
	// refuses rather than take the port's connections.
	h.must("stop", "fhok")
	hostService(t, 8089)
	h.fails(2, []string{"fhok", "host port tcp 8089 is in use by a host process"}, "start", "fhok")
	if got := httpGet("http://10.101.0.1:8089/"); !strings.Contains(got, "host service on 8089") {
		t.Errorf("after the refused start, the host's service: %q", got)
	}
}

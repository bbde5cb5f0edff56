package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/internal/testenv"
)

// declaredEtc evaluates the module with services.nixlxc settings and
// builds its /etc, returning the path of containers.json there.
func declaredEtc(t *testing.T, settings string) string {
	t.Helper()
	out, err := evalHost(t, settings, "{ }", "/dev/null", `c.system.build.etc`, "build")
	if err != nil {
		t.Fatalf("building /etc: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "etc/nixlxc/containers.json")
}

// TestNixOSModuleContainers: services.nixlxc.containers, evaluated with
// the option types checked: the declaration the module writes (only what
// is given, config files as absolute paths, Nix code as a file), the apply
// unit that names it, one unit per container.
func TestNixOSModuleContainers(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate", "nix-build")
	settings := `{ containers = {
	  web = { config = /srv/containers/web.nix; autoStart = true; timeoutStartSec = "90s";
	    forwardPorts = [ { hostPort = 8080; containerPort = 80; } { protocol = "udp"; hostPort = 53; hostAddress = "203.0.113.5"; } ];
	    bindMounts."/srv/www" = { hostPath = "/srv/web"; };
	    bindMounts."/var/lib/data" = { hostPath = "/srv/data"; isReadOnly = false; }; };
	  db = { config = "{ ... }: { services.db.enable = true; }"; ephemeral = true; restartIfChanged = false;
	    limits = { memory = "512M"; pids = 100; }; network.enableNat = true; macvlans = [ "eth1" ];
	    extraConfig = "lxc.environment = A=1"; timeoutStartSec = "1min 30s"; };
	}; }`
	out, err := evalHost(t, settings, "{ }", "/dev/null", `{
	  apply = c.systemd.services.nixlxc-apply;
	  web = c.systemd.services."nixlxc@web";
	  db = c.systemd.services."nixlxc@db";
	}`)
	if err != nil {
		t.Fatalf("evaluating the module: %v", err)
	}
	type unit struct {
		WantedBy         []string          `json:"wantedBy"`
		After            []string          `json:"after"`
		Requires         []string          `json:"requires"`
		RestartIfChanged any               `json:"restartIfChanged"`
		ServiceConfig    map[string]any    `json:"serviceConfig"`
		Environment      map[string]string `json:"environment"`
	}
	var units struct{ Apply, Web, DB unit }
	if err := json.Unmarshal(out, &units); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	etc := declaredEtc(t, settings)
	if exe, _ := units.Apply.ServiceConfig["ExecStart"].(string); !strings.HasSuffix(exe, "/bin/nixlxc apply "+mustReadlink(t, etc)) {
		t.Errorf("nixlxc-apply ExecStart = %q, want it to name %s", exe, mustReadlink(t, etc))
	}
	if !contains(units.Apply.WantedBy, "multi-user.target") || !contains(units.Apply.After, "nixlxc-network.service") {
		t.Errorf("nixlxc-apply: %+v", units.Apply)
	}
	for name, u := range map[string]unit{"web": units.Web, "db": units.DB} {
		start, _ := u.ServiceConfig["ExecStart"].(string)
		stop, _ := u.ServiceConfig["ExecStop"].(string)
		if !strings.HasSuffix(start, "/bin/nixlxc start "+name+" --timeout 90s") || !strings.HasSuffix(stop, "/bin/nixlxc stop "+name+" --timeout 30s") {
			t.Errorf("nixlxc@%s: ExecStart %q, ExecStop %q", name, start, stop)
		}
		if u.RestartIfChanged != false || !contains(u.Requires, "nixlxc-apply.service") || !contains(u.After, "nixlxc-apply.service") || u.ServiceConfig["RemainAfterExit"] != true {
			t.Errorf("nixlxc@%s: %+v", name, u)
		}
	}
	if !reflect.DeepEqual(units.Web.WantedBy, []string{"multi-user.target"}) || len(units.DB.WantedBy) != 0 {
		t.Errorf("wantedBy: web %q (autoStart), db %q", units.Web.WantedBy, units.DB.WantedBy)
	}
	if units.Web.ServiceConfig["TimeoutStartSec"] != "90s" || units.DB.ServiceConfig["TimeoutStartSec"] != "1min 30s" {
		t.Errorf("TimeoutStartSec: %v, %v", units.Web.ServiceConfig["TimeoutStartSec"], units.DB.ServiceConfig["TimeoutStartSec"])
	}

	var decl map[string]map[string]any
	if err := json.Unmarshal([]byte(readFile(t, etc)), &decl); err != nil {
		t.Fatal(err)
	}
	web, _ := json.Marshal(decl["web"])
	if want := `{"autoStart":true,"bindMounts":{"/srv/www":{"hostPath":"/srv/web","isReadOnly":true},"/var/lib/data":{"hostPath":"/srv/data","isReadOnly":false}},"config":"/srv/containers/web.nix",` +
		`"forwardPorts":[{"containerPort":80,"hostPort":8080,"protocol":"tcp"},{"hostAddress":"203.0.113.5","hostPort":53,"protocol":"udp"}],"restartIfChanged":true,"timeoutStartSec":"90s"}`; string(web) != want {
		t.Errorf("web's declaration:\n%s\nwant:\n%s", web, want)
	}
	// The declared host paths are the admin's: host.json allows them.
	host, err := bridges.LoadHostConfig(filepath.Join(filepath.Dir(etc), "host.json"))
	if err != nil || !reflect.DeepEqual(host.BindMountSources, []string{"/srv/web", "/srv/data"}) {
		t.Errorf("host.json's bindMountSources: %q (%v), want the declared host paths", host.BindMountSources, err)
	}
	db := decl["db"]
	code, _ := db["config"].(string)
	if !strings.HasPrefix(code, "/nix/store/") || readFile(t, code) != "{ ... }: { services.db.enable = true; }" {
		t.Errorf("db's config %q does not hold its code", code)
	}
	delete(db, "config")
	dbJSON, _ := json.Marshal(db)
	if want := `{"ephemeral":true,"extraConfig":"lxc.environment = A=1","limits":{"memory":"512M","pids":100},"macvlans":["eth1"],"network":{"enableNat":true},"restartIfChanged":false,"timeoutStartSec":"1min 30s"}`; string(dbJSON) != want {
		t.Errorf("db's declaration:\n%s\nwant:\n%s", dbJSON, want)
	}

	// Values of the wrong type fail the evaluation, as NixOS's do.
	force := `builtins.deepSeq c.services.nixlxc.containers true`
	for _, c := range []struct{ settings, option string }{
		{`{ containers.web = { config = /x.nix; autoStart = "yes"; }; }`, "services.nixlxc.containers.web.autoStart"},
		{`{ containers.web = { config = 5; }; }`, "services.nixlxc.containers.web.config"},
		{`{ containers.web = { config = /x.nix; timeoutStartSec = 90; }; }`, "services.nixlxc.containers.web.timeoutStartSec"},
		{`{ containers.web = { config = /x.nix; bindMounts."/a".isReadOnly = "no"; }; }`, "services.nixlxc.containers.web.bindMounts.\"/a\".isReadOnly"},
		{`{ containers.web = { config = /x.nix; macvlans = "eth1"; }; }`, "services.nixlxc.containers.web.macvlans"},
		{`{ containers.web = { config = /x.nix; limits.pids = 0; }; }`, "services.nixlxc.containers.web.limits.pids"},
		{`{ containers.web = { config = /x.nix; network.enableNat = "yes"; }; }`, "services.nixlxc.containers.web.network.enableNat"},
	} {
		_, err := evalHost(t, c.settings, "{ }", "/dev/null", force)
		if err == nil || !strings.Contains(err.Error(), "A definition for option `"+c.option+"' is not of type") {
			t.Errorf("%s: evaluation gave %v, want a type error for %s", c.settings, err, c.option)
		}
	}
}

func mustReadlink(t *testing.T, path string) string {
	t.Helper()
	target, err := os.Readlink(path)
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// TestNixOSDeclaredContainers: the declaration the module writes, run
// through nixlxc apply end to end, as a switch does: the containers come
// up with their forwarded port and their bind mounts (read-only, host
// root's files root's inside); a rebuild without one of them destroys it.
func TestNixOSDeclaredContainers(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	www := filepath.Join(h.dir, "www")
	os.MkdirAll(www, 0o755)
	os.WriteFile(filepath.Join(www, "index.html"), []byte("served from the host\n"), 0o644)
	web := h.file("ndweb.nix", `{ pkgs, ... }: {
  systemd.services.httpd = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.ExecStart = "${pkgs.busybox}/bin/httpd -f -p 80 -h /srv/www";
  };
}`)
	settings := func(extra string) string {
		return fmt.Sprintf(`{ containers = {
	  ndweb = { config = %s; autoStart = true; forwardPorts = [ { hostPort = 8080; containerPort = 80; } ];
	    bindMounts."/srv/www" = { hostPath = %q; }; };
	  %s
	}; }`, web, www, extra)
	}
	file := declaredEtc(t, settings(`ndother = { config = "{ ... }: { environment.etc.motd.text = \"declared\"; }"; autoStart = true; };`))
	out := h.must("apply", file)
	if !strings.Contains(out, "apply: 2 created") {
		t.Fatalf("apply of the module's declaration:\n%s", out)
	}
	if got := httpGet("http://10.101.0.1:8080/"); got != "served from the host\n" {
		t.Errorf("the forwarded port from the host: %q", got)
	}
	probe := `stat -c '%u:%g' /srv/www/index.html; touch /srv/www/x 2>/dev/null && echo WROTE; cat /etc/motd 2>/dev/null; true`
	if got := h.must("run", "ndweb", "--", "sh", "-c", probe); got != "0:0\n" {
		t.Errorf("the bind mount inside: %q, want host root's file as root's, read-only", got)
	}
	if got := h.must("run", "ndother", "--", "cat", "/etc/motd"); got != "declared" {
		t.Errorf("the container written as Nix code: motd %q", got)
	}
	var st syscall.Stat_t
	if syscall.Stat(filepath.Join(www, "x"), &st) == nil {
		t.Error("the container wrote into its read-only bind mount")
	}
	// The same declaration again: nothing to do.
	if out := h.must("apply", file); !strings.Contains(out, "2 unchanged") {
		t.Errorf("a second apply:\n%s", out)
	}
	// A rebuild without ndother destroys it; ndweb stays.
	out = h.must("apply", declaredEtc(t, settings("")))
	if !strings.Contains(out, "destroy ndother") || !strings.Contains(out, "keep    ndweb") {
		t.Errorf("apply without ndother:\n%s", out)
	}
	if h.nixlxc("exists", "ndother").code == 0 || h.state("ndweb") != "RUNNING" {
		t.Error("ndother is still there, or ndweb is not running")
	}
	h.must("destroy", "--force", "ndweb")
}

package container

import (
	"errors"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/nixsys"
)

// Port forwards follow the settings: set at create (a taken port refused
// before anything is built, naming its holder), replaced by an update,
// put back by a rollback, gone with the container.
func TestForwardPorts(t *testing.T) {
	tm := newTestManager(t)
	fwd := func(ports ...int) map[string]any {
		var list []map[string]any
		for _, p := range ports {
			list = append(list, map[string]any{"hostPort": p, "containerPort": 80})
		}
		return map[string]any{"forwardPorts": list, "network": map[string]any{"enableNat": true}}
	}
	tm.must(tm.Create(ctx, "web", tm.config("web.json", "one", fwd(8080)), CreateOptions{}))
	fs := tm.host.forwards["web"]
	if len(fs) != 1 || fs[0].To.String() != "10.202.0.2:80" || fs[0].HostPort != 8080 {
		t.Fatalf("web's forwards: %+v", fs)
	}
	builds := len(tm.nix.builds)
	err := tm.Create(ctx, "web2", tm.config("web2.json", "two", fwd(8080)), CreateOptions{})
	if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "tcp 8080 is forwarded to container web already") {
		t.Errorf("a taken port: %v", err)
	}
	if len(tm.nix.builds) != builds || tm.Exists("web2") {
		t.Error("a create with a taken port built or left something")
	}
	// A hostonly container's forwards go to its hostonly address.
	tm.must(tm.Create(ctx, "ho", tm.config("ho.json", "ho", map[string]any{"forwardPorts": []map[string]any{{"hostPort": 2222, "containerPort": 22}}}), CreateOptions{}))
	if fs := tm.host.forwards["ho"]; len(fs) != 1 || fs[0].To.String() != "10.101.0.3:22" {
		t.Errorf("ho's forwards: %+v", fs)
	}

	tm.must(tm.Update(ctx, "web", tm.config("web.json", "one", fwd(8081, 8082)), UpdateOptions{}))
	if fs := tm.host.forwards["web"]; len(fs) != 2 || fs[0].HostPort != 8081 {
		t.Errorf("after the update: %+v", fs)
	}
	// An update that fails puts the old forwards back.
	tm.nix.fail = &nixsys.Error{Op: "building", Stderr: "error: boom", Err: errors.New("exit status 1")}
	if err := tm.Update(ctx, "web", tm.config("web.json", "three", fwd(9000)), UpdateOptions{}); err == nil {
		t.Error("a failing build updated")
	}
	tm.nix.fail = nil
	if fs := tm.host.forwards["web"]; len(fs) != 2 || fs[0].HostPort != 8081 {
		t.Errorf("after a failed update: %+v", fs)
	}
	tm.must(tm.Rollback(ctx, "web"))
	if fs := tm.host.forwards["web"]; len(fs) != 1 || fs[0].HostPort != 8080 {
		t.Errorf("after the rollback: %+v", fs)
	}
	tm.must(tm.Destroy(ctx, "web", false))
	if _, ok := tm.host.forwards["web"]; ok {
		t.Error("destroy left web's forwards")
	}
	// The port is free again.
	tm.must(tm.Create(ctx, "web2", tm.config("web2.json", "two", fwd(8080)), CreateOptions{}))
}

// Doctor finds the forwards of a container that is gone and a container
// whose rules are not all in the tables, and puts both right.
func TestDoctorForwards(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.HostSetup(ctx))
	cfg := map[string]any{"forwardPorts": []map[string]any{{"hostPort": 8080}}}
	tm.must(tm.Create(ctx, "web", tm.config("web.json", "one", cfg), CreateOptions{}))
	tm.host.rules["web"] = 1 // a rule lost
	tm.host.forwards["gone"] = tm.host.forwards["web"][:0:0]
	tm.host.rules["gone"] = 2
	found, err := tm.Doctor(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, f := range found {
		problems = append(problems, f.Problem)
		if !f.Repaired {
			t.Errorf("not repaired: %+v", f)
		}
	}
	if len(found) != 2 || !strings.Contains(problems[0], "gone: port forwards of a container that does not exist") ||
		!strings.Contains(problems[1], "web: its port forwards are 1 rule(s) in nixlxc's tables, not 2") {
		t.Errorf("doctor found %q", problems)
	}
	if tm.host.rules["web"] != 2 || tm.host.rules["gone"] != 0 {
		t.Errorf("after the repairs: %v", tm.host.rules)
	}
	if again, _ := tm.Doctor(ctx, false); len(again) != 0 {
		t.Errorf("a second doctor found %+v", again)
	}
}

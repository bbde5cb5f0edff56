package container

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneInstallationPerNetworkNamespace: when the bridges carry another
// installation's mark, this one creates, starts, sets up and tears down
// nothing here, each refusal naming the other; doctor says so and repairs
// nothing of the host's network.
func TestOneInstallationPerNetworkNamespace(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "early", tm.config("v1.json", "one", nil), CreateOptions{}))
	tm.host.other = "/srv/other"
	tm.host.stale = []string{"nh-theirs"}
	// The other installation's port forwards, in its tables.
	tm.host.rules = map[string]int{"theirs": 3}

	check := func(what string, err error) {
		t.Helper()
		if KindOf(err) != KindExists || !strings.Contains(err.Error(), "/srv/other") || !strings.Contains(err.Error(), "one installation per network namespace") {
			t.Errorf("%s: %v", what, err)
		}
	}
	check("create", tm.Create(ctx, "late", tm.config("v1.json", "one", nil), CreateOptions{}))
	for _, p := range []string{tm.paths.containerDir("late"), filepath.Dir(tm.paths.profile("late").Path)} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("the refused create left %s", p)
		}
	}
	if len(tm.nix.builds) > 1 {
		t.Errorf("the refused create built: %v", tm.nix.builds)
	}
	check("start", tm.Start(ctx, "early", StartOptions{}))
	if tm.lxc.starts["early"] != 0 {
		t.Error("liblxc started the container")
	}
	check("host setup", tm.HostSetup(ctx))
	check("host teardown", tm.HostTeardown(ctx, false))
	check("host teardown --force", tm.HostTeardown(ctx, true))

	found := tm.doctor(true)
	if len(found) != 1 || !strings.Contains(found[0].Problem, "/srv/other") || found[0].Repaired || found[0].Advice == "" {
		t.Errorf("doctor --repair in another installation's network namespace: %+v", found)
	}
	if len(tm.host.deleted) > 0 || tm.host.setups > 0 || tm.host.rules["theirs"] != 3 {
		t.Errorf("touched the other installation's network: deleted %v, %d setups, its forward rules %v", tm.host.deleted, tm.host.setups, tm.host.rules)
	}

	// Once it is gone, this installation takes the namespace.
	tm.host.other = ""
	tm.must(tm.Start(ctx, "early", StartOptions{}))
}

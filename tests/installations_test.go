package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneInstallationPerNetworkNamespace: once an installation has set a
// network namespace's network up, a second one (another state directory)
// creates, starts, sets up and tears down nothing there, each refusal one
// line naming the first; the first keeps its containers' addresses, MACs,
// host veths, bridges and rules, and doctor tells the second what is
// wrong. When the first has torn its network down, the second takes the
// namespace, and the first is refused in turn.
func TestOneInstallationPerNetworkNamespace(t *testing.T) {
	if !isolate(t) {
		return
	}
	h1, h2 := newHost(t), newHost(t)
	h1.busyboxInit()
	h2.busyboxInit()
	h1.hostJSON(`{"hostonlyIsolated": true}`)
	// Before any installation has set this namespace's network up, both
	// may create (the same name, too); nothing of the network is leased
	// on the host yet.
	h2.must("create", "nsone", example("hello.nix"))
	h1.must("create", "nsone", example("hello.nix"))
	h1.must("start", "nsone")
	ip1 := h1.ip("nsone")
	ruleset := sh(t, "nft", "list", "ruleset")
	alias := readFile(t, "/sys/class/net/brNC-hostonly/ifalias")
	if !strings.Contains(alias, h1.stateDir) {
		t.Errorf("brNC-hostonly's alias does not name the installation that set it up: %q", alias)
	}

	refused := []string{h1.stateDir, "one installation per network namespace"}
	h2.fails(4, append(refused, "nsone"), "start", "nsone")
	h2.fails(4, refused, "create", "nstwo", example("hello.nix"))
	if left := h2.leftovers("nstwo"); len(left) > 0 {
		t.Errorf("the refused create left %v", left)
	}
	h2.fails(4, refused, "host", "setup")
	h2.fails(4, refused, "host", "teardown")
	h2.fails(4, refused, "host", "teardown", "--force")
	var told bool
	for _, f := range h2.doctor(true) {
		if f.Repaired {
			t.Errorf("the second installation's doctor repaired %q", f.Problem)
		}
		told = told || strings.Contains(f.Problem, h1.stateDir) && strings.Contains(f.Advice, "one installation per network namespace")
	}
	if !told {
		t.Errorf("the second installation's doctor does not say whose the network is: %+v", h2.doctor(false))
	}
	if r := h2.nixlxc("doctor"); r.code != 1 {
		t.Errorf("the second installation's doctor: %s", r)
	}

	if after := sh(t, "nft", "list", "ruleset"); after != ruleset {
		t.Errorf("the second installation changed the rules:\n%s\nthen:\n%s", ruleset, after)
	}
	if master, err := filepath.EvalSymlinks("/sys/class/net/nh-nsone/master"); err != nil || filepath.Base(master) != "brNC-hostonly" {
		t.Errorf("the first installation's container lost its host veth: %s, %v", master, err)
	}
	if !pingFromHost(ip1) {
		t.Error("the first installation's container does not answer")
	}
	if f := h1.doctor(false); len(f) > 0 {
		t.Errorf("the first installation's doctor: %+v", f)
	}
	h1.must("host", "setup")

	// A nixlxc from before marks left its bridges unmarked: with its
	// containers running, a second installation (which recorded no setup)
	// still takes nothing; the first one's setup marks them again.
	sh(t, "ip", "link", "set", "brNC-hostonly", "alias", "")
	sh(t, "ip", "link", "set", "brNC-internet", "alias", "")
	h2.fails(4, []string{"no installation's mark", "nh-nsone"}, "host", "setup")
	h2.fails(4, []string{"no installation's mark", "nh-nsone"}, "start", "nsone")
	h1.must("host", "setup")
	if alias := readFile(t, "/sys/class/net/brNC-internet/ifalias"); !strings.Contains(alias, h1.stateDir) {
		t.Errorf("the first installation's setup did not mark brNC-internet again: %q", alias)
	}

	// Torn down by the first, the namespace is the second's.
	h1.must("stop", "nsone")
	h1.must("host", "teardown")
	h2.must("start", "nsone")
	h1.fails(4, []string{h2.stateDir, "one installation per network namespace"}, "start", "nsone")
	if r := h2.nixlxc("run", "nsone", "--", "true"); r.code != 0 {
		t.Errorf("the second installation's container: %s", r)
	}
	if out, err := exec.Command("nft", "list", "table", "bridge", "nixlxc").CombinedOutput(); err != nil || strings.Contains(string(out), "isolate") {
		t.Errorf("the second installation's rules are not its own (its host.json has no isolation): %v\n%s", err, out)
	}
	if _, err := os.Stat("/sys/class/net/nh-nsone"); err != nil {
		t.Errorf("the second installation's container has no host veth: %v", err)
	}
}

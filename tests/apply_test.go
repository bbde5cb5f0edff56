package tests

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// apGens is the number of generations a container has.
func (h *host) apGens(name string) int {
	h.t.Helper()
	return strings.Count(strings.TrimSpace(h.must("list-generations", name)), "\n") + 1
}

// TestApply: nixlxc apply creates three declared containers (in parallel),
// a second apply changes nothing, editing one container's config updates
// only it, in place, removing it from the file destroys it and frees its
// addresses, a failing one leaves the others running; --dry-run plans and
// changes nothing; destroy refuses a declared container unless --force;
// the same declaration in JSON agrees.
func TestApply(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	h.file("ap1.nix", `{ pkgs, name, ... }: { environment.etc."motd".text = "one"; }`)
	h.file("ap3.nix", `{ network.enableNat = true; configuration = { ... }: { environment.etc."motd".text = "three"; }; }`)
	decl := func(ap2motd, extra string) string {
		return h.file("containers.nix", fmt.Sprintf(`{
  ap1 = { config = ./ap1.nix; autoStart = true; };
  ap2 = {
    config = { pkgs, ... }: { environment.etc."motd".text = %q; };
    autoStart = true;
    forwardPorts = [ { hostPort = 8080; containerPort = 80; } ];
    timeoutStartSec = "2min";
  };
  ap3 = { config = ./ap3.nix; autoStart = true; };
  %s
}`, ap2motd, extra))
	}
	file := decl("two", "")

	r := h.must("apply", "--dry-run", file)
	if !strings.Contains(r, "plan: 3 to create") || !strings.Contains(r, "dry run, nothing changed") {
		t.Errorf("dry run:\n%s", r)
	}
	if len(h.list()) != 0 {
		t.Fatal("a dry run created containers")
	}

	out := h.must("apply", "--parallel", "3", file)
	for _, want := range []string{"plan: 3 to create", "create  ap1", "apply: 3 created, 0 updated"} {
		if !strings.Contains(out, want) {
			t.Errorf("first apply does not say %q:\n%s", want, out)
		}
	}
	pids := map[string]int{}
	for _, name := range []string{"ap1", "ap2", "ap3"} {
		if got := h.state(name); got != "RUNNING" {
			t.Fatalf("%s is %s after apply", name, got)
		}
		pids[name] = h.initPID(name)
	}
	if got := h.must("run", "ap3", "--", "cat", "/etc/motd"); got != "three" {
		t.Errorf("ap3's motd %q", got)
	}
	ap3 := h.showIP("ap3")

	// A second apply changes nothing: no generation, no restart.
	out = h.must("apply", file)
	if !strings.Contains(out, "plan: 0 to create, 0 to update, 0 to restart, 0 to start, 0 to destroy, 3 unchanged") {
		t.Errorf("a second apply:\n%s", out)
	}
	for name, pid := range pids {
		if h.initPID(name) != pid || h.apGens(name) != 1 {
			t.Errorf("a second apply touched %s", name)
		}
	}
	// Rebuilding a declared container by hand reads its declaration and
	// config file as apply did (their directories, and no more).
	if r := h.nixlxc("update", "ap3"); r.code != 0 {
		t.Errorf("update ap3 from its recorded source: %s", r.stderr)
	}

	// Declared containers are apply's.
	h.fails(1, []string{"ap1", "managed by nixlxc apply"}, "destroy", "ap1")

	// Editing one container's config updates only it, in place.
	file = decl("two, again", "")
	out = h.must("apply", file)
	if !strings.Contains(out, "update  ap2") || !strings.Contains(out, "1 updated") {
		t.Errorf("apply after editing ap2:\n%s", out)
	}
	if got := h.must("run", "ap2", "--", "cat", "/etc/motd"); got != "two, again" {
		t.Errorf("ap2's motd after the update: %q", got)
	}
	for name, pid := range pids {
		if h.initPID(name) != pid {
			t.Errorf("%s was restarted", name)
		}
	}
	if h.apGens("ap2") != 2 || h.apGens("ap1") != 1 || h.apGens("ap3") != 1 {
		t.Errorf("generations: ap1 %d, ap2 %d, ap3 %d", h.apGens("ap1"), h.apGens("ap2"), h.apGens("ap3"))
	}

	// Removing one destroys it and frees its addresses: the next
	// container gets them.
	file = h.file("containers.nix", strings.Replace(readFile(t, file), `ap3 = { config = ./ap3.nix; autoStart = true; };`, `ap4 = { config = ./ap3.nix; autoStart = true; };`, 1))
	out = h.must("apply", file)
	if !strings.Contains(out, "destroy ap3") || !strings.Contains(out, "1 destroyed") {
		t.Errorf("apply without ap3:\n%s", out)
	}
	if h.nixlxc("exists", "ap3").code == 0 {
		t.Fatal("ap3 is still there")
	}
	if ap4 := h.showIP("ap4"); ap4.Hostonly.IPv4 != ap3.Hostonly.IPv4 || ap4.Internet.IPv4 != ap3.Internet.IPv4 {
		t.Errorf("ap3's addresses were not freed: ap3 had %s %s, ap4 got %s %s", ap3.Hostonly.IPv4, ap3.Internet.IPv4, ap4.Hostonly.IPv4, ap4.Internet.IPv4)
	}

	// A failing container leaves the others running.
	file = decl("two, again", `ap4 = { config = ./ap3.nix; autoStart = true; };
  apbad = { config = { ... }: throw "apbad does not evaluate"; autoStart = true; };
  apgone = { config = ./apgone.nix; autoStart = true; };
  ap5 = { config = ./ap1.nix; autoStart = true; };`)
	// Its dry run fails as the apply would, naming who is held.
	if r := h.nixlxc("apply", "--dry-run", file); r.code != 1 || !strings.Contains(r.stderr, "held: ") || !strings.Contains(r.stderr, "apgone") {
		t.Errorf("a dry run of a plan with held containers: %s", r)
	}
	r2 := h.nixlxc("apply", file)
	if r2.code != 1 || !strings.Contains(r2.stdout, "apply: apbad failed") || !strings.Contains(r2.stdout+r2.stderr, "apbad does not evaluate") ||
		!strings.Contains(r2.stdout, "apply: apgone failed: containers.apgone") || !strings.Contains(r2.stdout, "apgone.nix") ||
		!strings.Contains(r2.stderr, "2 failed: apbad, apgone") || strings.Count(strings.TrimSpace(r2.stderr), "\n") != 0 {
		t.Errorf("apply with a failing container: %s", r2)
	}
	for _, name := range []string{"ap1", "ap2", "ap4", "ap5"} {
		if got := h.state(name); got != "RUNNING" {
			t.Errorf("%s is %s after a failing apply", name, got)
		}
	}
	if h.nixlxc("exists", "apbad").code == 0 || h.nixlxc("exists", "apgone").code == 0 {
		t.Error("a failing container was left behind")
	}
	for name, pid := range map[string]int{"ap1": pids["ap1"], "ap2": pids["ap2"]} {
		if h.initPID(name) != pid {
			t.Errorf("%s was restarted by an apply that failed elsewhere", name)
		}
	}

	// The same containers as JSON: unchanged systems are kept.
	js := h.file("containers.json", `{ "ap1": { "config": "ap1.nix", "autoStart": true }, "ap5": { "config": "`+filepath.Join(h.dir, "ap1.nix")+`", "autoStart": true } }`)
	out = h.must("apply", "--dry-run", js)
	for _, want := range []string{"keep    ap1", "keep    ap5", "destroy ap2", "destroy ap4"} {
		if !strings.Contains(out, want) {
			t.Errorf("the JSON declaration's plan lacks %q:\n%s", want, out)
		}
	}

	// destroy --force overrides, and says what comes of it.
	r3 := h.must("destroy", "--force", "ap5")
	if !strings.Contains(r3, "next nixlxc apply creates it again") {
		t.Errorf("destroy --force of a declared container said %q", r3)
	}
	h.must("apply", h.file("none.nix", "{ }"))
	if l := h.list(); len(l) != 0 {
		t.Errorf("an empty declaration left %+v", l)
	}

	// A declared config file reads no host file (it is evaluated as
	// create's is, restricted to its own directory and the declaration's).
	h.file("sneaky.nix", `{ ... }: { environment.etc."stolen".text = builtins.readFile /etc/shadow; }`)
	if r := h.nixlxc("apply", h.file("sneaky-decl.nix", `{ ap6 = { config = ./sneaky.nix; }; }`)); r.code == 0 ||
		!strings.Contains(r.stdout+r.stderr, "forbidden in restricted mode") || h.nixlxc("exists", "ap6").code == 0 {
		t.Errorf("a declared config file read /etc/shadow: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// currentFile reads a file of the container's current system, as the
// profile has it: what the container boots or runs.
func (h *host) currentFile(name, rel string) string {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.profileDir, name, "system", rel))
	if err != nil {
		h.t.Fatalf("%s's current system: %v", name, err)
	}
	return strings.TrimSpace(string(data))
}

// TestUpdateFromSource: update NAME without a file rebuilds from the source
// the current generation was built from, again (as after a nixpkgs bump:
// here a file the configuration reads changes); after a rollback that is
// the older source, and its Nix arguments with it.
func TestUpdateFromSource(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	version := h.file("version", "1")
	a := h.file("a.nix", `{ ... }: { environment.etc.marker.text = "a " + builtins.readFile ./version; }`)
	b := h.file("b.nix", `{ ... }: { environment.etc.marker.text = "b"; }`)
	h.must("create", "dsrc", a)
	h.must("update", "dsrc", b)
	if got := h.currentFile("dsrc", "etc/marker"); got != "b" {
		t.Fatalf("after update from b: %q", got)
	}
	h.must("rollback", "dsrc")
	if err := os.WriteFile(version, []byte("2"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := h.must("update", "dsrc")
	if !strings.Contains(out, "from "+a) {
		t.Errorf("update without a file does not say it builds %s:\n%s", a, out)
	}
	if got := h.currentFile("dsrc", "etc/marker"); got != "a 2" {
		t.Errorf("update without a file after a rollback built %q, want \"a 2\" (a.nix again)", got)
	}
	if g := h.currentGeneration("dsrc"); g != 3 {
		t.Errorf("generation %d is current, want the new 3", g)
	}
	// The same source again: nothing new.
	if out := h.must("update", "dsrc"); !strings.Contains(out, "unchanged") {
		t.Errorf("a second update without a file:\n%s", out)
	}
	if src := h.info("dsrc").Source.ConfigFile; src != a {
		t.Errorf("info's source %q, want %s", src, a)
	}

	// A source that has gone is named, and nothing changes.
	h.must("switch-generation", "dsrc", "2")
	os.Remove(b)
	h.fails(2, []string{b}, "update", "dsrc")
	if g := h.currentGeneration("dsrc"); g != 2 {
		t.Errorf("a failed update moved to generation %d", g)
	}
	h.fails(2, []string{"not both"}, "update", "dsrc", a, "--flake", h.dir)
}

// TestFlake: create --flake builds REF#nixosConfigurations.NAME with the
// flake's nixlxc.NAME settings, offline (the stand-in nixpkgs as a path
// input, no registry); the container boots it; update --flake REF#ATTR
// builds another configuration; update NAME rebuilds the recorded flake.
func TestFlake(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	registry := h.file("registry.json", `{"flakes":[],"version":2}`)
	flakeDir := filepath.Join(h.dir, "flake")
	if err := os.Mkdir(flakeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFlake := func(word string) {
		t.Helper()
		content := `{
  inputs.nixpkgs.url = "path:` + filepath.Join(repoRoot, "standin-nixpkgs") + `";
  outputs = { self, nixpkgs }:
    let
      box = text: nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        modules = [ ({ ip, name, ... }: { environment.etc.marker.text = "${text} ${name} ${ip}"; }) ];
      };
    in {
      nixosConfigurations.dflk = box "` + word + `";
      nixosConfigurations.other = box "other";
      nixlxc.dflk = { network.enableNat = true; autostart = { enable = true; order = 5; }; };
    };
}`
		if err := os.WriteFile(filepath.Join(flakeDir, "flake.nix"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFlake("first")
	nixArgs := "--option flake-registry " + registry
	h.must("create", "dflk", "--flake", flakeDir, "-n", nixArgs)
	if _, err := os.Stat(filepath.Join(flakeDir, "flake.lock")); err != nil {
		t.Errorf("the flake was not locked: %v", err)
	}
	h.must("start", "dflk")
	ips := h.showIP("dflk")
	if got := strings.TrimSpace(h.must("run", "dflk", "--", "cat", "/etc/marker")); got != "first dflk "+plain(ips.Hostonly.IPv4) {
		t.Errorf("the flake's system says %q", got)
	}
	if ips.Internet == nil {
		t.Error("the flake's nixlxc.dflk settings (enableNat) were not applied")
	}
	i := h.info("dflk")
	if !i.Autostart.Enable || i.Autostart.Order != 5 {
		t.Errorf("autostart from nixlxc.dflk: %+v", i.Autostart)
	}
	h.must("stop", "dflk")

	// Another configuration of the same flake.
	h.must("update", "dflk", "--flake", flakeDir+"#other")
	if got := h.currentFile("dflk", "etc/marker"); !strings.HasPrefix(got, "other dflk ") {
		t.Errorf("update --flake REF#other built %q", got)
	}
	// The recorded flake and attribute, rebuilt after the flake changed.
	h.must("rollback", "dflk")
	writeFlake("second")
	h.must("update", "dflk")
	if got := h.currentFile("dflk", "etc/marker"); !strings.HasPrefix(got, "second dflk ") {
		t.Errorf("update without a file built %q, want the changed flake's dflk", got)
	}
	if g := h.currentGeneration("dflk"); g != 3 {
		t.Errorf("generation %d, want 3", g)
	}

	// A flake without the configuration: one line, nothing left behind.
	h.fails(7, []string{"nosuch"}, "create", "dnone", "--flake", flakeDir+"#nosuch", "-n", nixArgs)
	if left := h.leftovers("dnone"); len(left) > 0 {
		t.Errorf("a failed flake create left %v", left)
	}
	h.fails(2, []string{"flake.nix"}, "create", "dnone", "--flake", h.dir)
}

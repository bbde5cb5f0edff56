package tests

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type generation struct {
	Number  int    `json:"number"`
	Path    string `json:"path"`
	Current bool   `json:"current"`
}

func (h *host) generations(name string) []generation {
	h.t.Helper()
	var gens []generation
	if err := json.Unmarshal([]byte(h.must("list-generations", "--json", name)), &gens); err != nil {
		h.t.Fatal(err)
	}
	return gens
}

func (h *host) currentGeneration(name string) int {
	h.t.Helper()
	for _, g := range h.generations(name) {
		if g.Current {
			return g.Number
		}
	}
	h.t.Fatalf("%s has no current generation", name)
	return 0
}

// markerConfig is a container whose service keeps writing word to a file,
// the shape of nixcloud-container's own generation test.
func (h *host) markerConfig(word string) string {
	return h.file(word+".nix", fmt.Sprintf(`{ pkgs, name, ... }: {
  environment.etc.generation.text = "%[1]s";
  systemd.services.marker = {
    wantedBy = [ "multi-user.target" ];
    script = ''
      mkdir -p /var/lib
      while true; do echo %[1]s > /var/lib/marker; sleep 0.2; done
    '';
  };
}
`, word))
}

func (h *host) waitMarker(name, want string) {
	h.t.Helper()
	var got string
	eventually(h.t, 15*time.Second, "marker "+want, func() bool {
		r := h.nixlxc("run", name, "--", "cat", "/var/lib/marker")
		got = strings.TrimSpace(r.stdout)
		return got == want
	})
}

// TestGenerations moves one running container along its profile: updates
// activate in place without a restart, rollback and switch-generation bring
// earlier systems back, deletes never touch the current one, nix-env and
// nixlxc agree on the profile, and a failing update rolls itself back.
func TestGenerations(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	// Words unique to this test keep its systems out of other tests' store
	// paths, so the GC checks below see only this test's roots.
	one, two, three := h.markerConfig("gen-one"), h.markerConfig("gen-two"), h.markerConfig("gen-three")
	profile := filepath.Join(h.profileDir, "gen", "system")

	h.must("create", "gen", one)
	h.must("start", "gen")
	pid := h.initPID("gen")
	h.waitMarker("gen", "gen-one")

	// Two updates, each activated in place: the init process stays.
	h.must("update", "gen", two)
	h.waitMarker("gen", "gen-two")
	if got := strings.TrimSpace(h.must("run", "gen", "--", "cat", "/etc/generation")); got != "gen-two" {
		t.Errorf("/etc after update = %q", got)
	}
	h.must("update", "gen", three)
	h.waitMarker("gen", "gen-three")
	if p := h.initPID("gen"); p != pid {
		t.Errorf("update restarted the container: init %d, was %d", p, pid)
	}
	// The same system again: no new generation, and it says so.
	if out := h.must("update", "gen", three); !strings.Contains(out, "unchanged") {
		t.Errorf("updating to the same system says %q", out)
	}
	gens := h.generations("gen")
	if len(gens) != 3 || !gens[2].Current || gens[2].Number != 3 {
		t.Fatalf("generations = %+v, want 1, 2, 3 with 3 current", gens)
	}
	// nixlxc's listing is nix-env's, character for character.
	nixEnv, err := exec.Command("nix-env", "-p", profile, "--list-generations").Output()
	if err != nil {
		t.Fatal(err)
	}
	if mine := h.must("list-generations", "gen"); mine != string(nixEnv) {
		t.Errorf("list-generations:\n%s\nnix-env --list-generations:\n%s", mine, nixEnv)
	}

	// Rollback in place brings the previous marker back.
	h.must("rollback", "gen")
	h.waitMarker("gen", "gen-two")
	if n := h.currentGeneration("gen"); n != 2 {
		t.Errorf("current after rollback = %d, want 2", n)
	}
	h.must("switch-generation", "gen", "1")
	h.waitMarker("gen", "gen-one")
	if p := h.initPID("gen"); p != pid {
		t.Errorf("rollback restarted the container")
	}
	h.fails(3, []string{"generation 9"}, "switch-generation", "gen", "9")
	h.fails(2, []string{"x"}, "switch-generation", "gen", "x")
	h.fails(3, []string{"no older generation"}, "rollback", "gen")

	// The current generation is never deleted, alone or in company.
	h.fails(2, []string{"current generation"}, "delete-generations", "gen", "1")
	h.fails(2, []string{"current generation"}, "delete-generations", "gen", "2", "1")
	h.fails(3, []string{"7"}, "delete-generations", "gen", "7")
	h.fails(2, []string{"+0"}, "delete-generations", "gen", "+0")
	if n := len(h.generations("gen")); n != 3 {
		t.Errorf("a refused delete deleted something: %d generations", n)
	}
	h.must("switch-generation", "gen", "3")
	h.waitMarker("gen", "gen-three")
	h.must("delete-generations", "gen", "1")
	if gens := h.generations("gen"); len(gens) != 2 || gens[0].Number != 2 {
		t.Errorf("after deleting 1: %+v", gens)
	}

	// nix-env moves the profile; nixlxc sees it and activates on request.
	if out, err := exec.Command("nix-env", "-p", profile, "--rollback").CombinedOutput(); err != nil {
		t.Fatalf("nix-env --rollback: %v\n%s", err, out)
	}
	if n := h.currentGeneration("gen"); n != 2 {
		t.Errorf("after nix-env --rollback nixlxc sees %d, want 2", n)
	}
	h.must("switch-generation", "gen", "2")
	h.waitMarker("gen", "gen-two")
	// A generation nix-env makes shows up in nixlxc (nix-env makes one for
	// any system but the newest generation's).
	gens = h.generations("gen")
	if out, err := exec.Command("nix-env", "-p", profile, "--set", gens[0].Path).CombinedOutput(); err != nil {
		t.Fatalf("nix-env --set: %v\n%s", err, out)
	}
	if n := h.currentGeneration("gen"); n != 4 {
		t.Errorf("nix-env's new generation: nixlxc sees current %d, want 4", n)
	}
	h.must("switch-generation", "gen", "4")
	h.waitMarker("gen", "gen-two")
	// A generation nixlxc makes shows up in nix-env.
	h.must("update", "gen", one)
	h.waitMarker("gen", "gen-one")
	if out, _ := exec.Command("nix-env", "-p", profile, "--list-generations").Output(); !strings.Contains(string(out), "   5   ") {
		t.Errorf("nix-env does not see generation 5:\n%s", out)
	}

	// Every generation's closure is a GC root: the store refuses to delete it.
	for _, g := range h.generations("gen") {
		if out, err := exec.Command("nix-store", "--delete", g.Path).CombinedOutput(); err == nil {
			t.Errorf("nix-store deleted generation %d's system %s: %s", g.Number, g.Path, out)
		}
	}

	// A failing new generation with --auto-rollback leaves the old one
	// active and the container running.
	bad := h.file("bad.nix", `{ autostart = true; limits.pids = 77; configuration = { ... }: {
  systemd.services.marker = { wantedBy = [ "multi-user.target" ]; script = "exit 1"; };
}; }`)
	before := h.currentGeneration("gen")
	h.fails(6, []string{"rolled back to generation", "marker"}, "update", "--auto-rollback", "gen", bad)
	if n := h.currentGeneration("gen"); n != before {
		t.Errorf("after a rolled-back update the current generation is %d, want %d", n, before)
	}
	if s := strings.TrimSpace(h.must("state", "gen")); s != "RUNNING" {
		t.Errorf("state after a rolled-back update: %s", s)
	}
	h.waitMarker("gen", "gen-one")
	if p := h.initPID("gen"); p != pid {
		t.Errorf("the rolled-back update restarted the container")
	}
	// The failed generation's settings are gone with it.
	config := readFile(t, filepath.Join(h.stateDir, "lxc", "gen", "config"))
	if !strings.Contains(config, "lxc.start.auto = 0") || strings.Contains(config, "pids.max = 77") {
		t.Errorf("after the rollback the LXC config keeps the failed generation's settings:\n%s", config)
	}
	if l := h.list(); len(l) != 1 || strings.TrimSpace(h.must("list", "-c", "autostart")) != "no" {
		t.Errorf("after the rollback list shows the failed generation's autostart: %s", h.must("list"))
	}
	// Without --auto-rollback the failure is reported honestly and the
	// profile names what is active: the new, broken system.
	h.fails(6, []string{"marker", "is active"}, "update", "gen", bad)
	gens = h.generations("gen")
	if cur := gens[len(gens)-1]; !cur.Current {
		t.Errorf("after a failed activation the profile does not point at the active (new) system: %+v", gens)
	}
	h.must("rollback", "gen")
	h.waitMarker("gen", "gen-one")

	// A stopped container boots its current generation at the next start.
	h.must("stop", "gen")
	if out := h.must("update", "gen", two); !strings.Contains(out, "next start") {
		t.Errorf("update of a stopped container says %q", out)
	}
	h.must("start", "gen")
	h.waitMarker("gen", "gen-two")

	// old keeps only the current one.
	h.must("delete-generations", "gen", "old")
	if gens := h.generations("gen"); len(gens) != 1 || !gens[0].Current {
		t.Errorf("after delete-generations old: %+v", gens)
	}
	h.must("destroy", "--force", "gen")
	if left := h.leftovers("gen"); len(left) > 0 {
		t.Errorf("destroy left: %v", left)
	}
}

// TestConcurrentUpdates: commands on one container wait for each other, and
// nix-env on the same profile waits too; the profile stays whole.
func TestConcurrentUpdates(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.must("create", "conc", h.markerConfig("conc-0"))
	var wg sync.WaitGroup
	results := make([]result, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = h.nixlxc("update", "conc", h.markerConfig(fmt.Sprintf("conc-%d", i+1)))
		}(i)
	}
	profile := filepath.Join(h.profileDir, "conc", "system")
	for i := 0; i < 4; i++ {
		exec.Command("nix-env", "-p", profile, "--list-generations").Run()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("update %d: %s", i, r)
		}
	}
	gens := h.generations("conc")
	if len(gens) != 5 {
		t.Fatalf("%d generations after 4 concurrent updates, want 5: %+v", len(gens), gens)
	}
	seen := map[string]bool{}
	for _, g := range gens {
		if seen[g.Path] {
			t.Errorf("two generations point at %s", g.Path)
		}
		seen[g.Path] = true
	}
	out, err := exec.Command("nix-env", "-p", profile, "--list-generations").CombinedOutput()
	if err != nil || strings.Count(string(out), "(current)") != 1 {
		t.Errorf("nix-env reads the profile as: %v\n%s", err, out)
	}
}

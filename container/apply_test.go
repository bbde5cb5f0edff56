package container

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/declare"
	"github.com/nixlxc/nixlxc/lxcapi"
)

// declaration writes a fake declaration file: containers as fake config
// files (settings and a system word) with apply's options.
func (tm *testManager) declaration(containers map[string]map[string]any) string {
	tm.t.Helper()
	data, err := json.Marshal(containers)
	if err != nil {
		tm.t.Fatal(err)
	}
	p := filepath.Join(tm.dir, "declaration.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tm.t.Fatal(err)
	}
	return p
}

func actions(steps []declare.Step) string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Name+":"+string(s.Action))
	}
	return strings.Join(out, " ")
}

func TestApply(t *testing.T) {
	tm := newTestManager(t)
	apply := func(decl map[string]map[string]any, o ApplyOptions) ApplyResult {
		t.Helper()
		res, err := tm.Apply(ctx, tm.declaration(decl), o)
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		return res
	}
	decl := map[string]map[string]any{
		"a": {"system": "1", "autostart": true},
		"b": {"system": "1", "forwardPorts": []map[string]any{{"hostPort": 8080}}},
		"c": {"system": "1", "autostart": true, "network": map[string]any{"enableNat": true}},
	}
	// A dry run plans and changes nothing.
	var planned []declare.Step
	res := apply(decl, ApplyOptions{DryRun: true, Plan: func(s []declare.Step) { planned = s }})
	if got := actions(planned); got != "a:create b:create c:create" || actions(res.Steps) != got {
		t.Errorf("dry run planned %q", got)
	}
	if names, _ := tm.Names(); len(names) != 0 || len(tm.nix.builds) != 0 {
		t.Fatalf("a dry run made %v, built %d", names, len(tm.nix.builds))
	}

	res = apply(decl, ApplyOptions{Parallel: 3})
	if len(res.Failed) != 0 || actions(res.Steps) != "a:create b:create c:create" {
		t.Fatalf("first apply: %+v", res)
	}
	for name, want := range map[string]string{"a": "RUNNING", "b": "STOPPED", "c": "RUNNING"} {
		if s, _ := tm.State(ctx, name); s != want {
			t.Errorf("%s is %s, want %s", name, s, want)
		}
	}
	// Its builds read the declaration's directory and its config file's.
	if rec, err := tm.recs.load("a"); err != nil || len(rec.Allow) != 2 || rec.Allow[1] != "/srv/configs/a" {
		t.Errorf("a's builds may read %q (%v), want the declaration's directory and /srv/configs/a", rec.Allow, err)
	}
	// Again: nothing to do, nothing built or started.
	builds, starts := len(tm.nix.builds), tm.lxc.starts["a"]
	res = apply(decl, ApplyOptions{Parallel: 3})
	if actions(res.Steps) != "a:keep b:keep c:keep" || len(tm.nix.builds) != builds || tm.lxc.starts["a"] != starts {
		t.Errorf("a second apply: %q, %d builds, %d starts", actions(res.Steps), len(tm.nix.builds)-builds, tm.lxc.starts["a"]-starts)
	}
	if tm.nix.evals == 0 {
		t.Error("the unchanged systems were not evaluated")
	}

	// One changed: only it is updated, in place.
	decl["a"]["system"] = "2"
	res = apply(decl, ApplyOptions{Parallel: 3})
	if actions(res.Steps) != "a:update b:keep c:keep" || len(res.Failed) != 0 || len(tm.nix.builds) != builds+1 {
		t.Errorf("after editing a: %q %+v, %d builds", actions(res.Steps), res.Failed, len(tm.nix.builds)-builds)
	}
	if gens, _ := tm.ListGenerations(ctx, "a"); len(gens) != 2 {
		t.Errorf("a has %d generations", len(gens))
	}
	if s, _ := tm.State(ctx, "a"); s != "RUNNING" || tm.lxc.starts["a"] != starts {
		t.Error("a was restarted for a change it takes in place")
	}

	// Declared containers are refused to destroy without force.
	if err := tm.Destroy(ctx, "b", false); !errors.Is(err, ErrDeclared) || !strings.Contains(err.Error(), "b is managed by nixlxc apply") {
		t.Errorf("destroying a declared container: %v", err)
	}
	// A hand-made container stays; a declaration that fails holds only
	// itself; b, gone from the declaration, is destroyed and frees its port.
	tm.must(tm.Create(ctx, "hand", tm.config("hand.json", "h", nil), CreateOptions{}))
	delete(decl, "b")
	decl["bad"] = map[string]any{"system": "1", "limits": map[string]any{"memory": "lots"}}
	decl["d"] = map[string]any{"system": "1", "forwardPorts": []map[string]any{{"hostPort": 8080}}}
	res = apply(decl, ApplyOptions{Parallel: 2})
	if got := actions(res.Steps); got != "b:destroy a:keep bad:hold c:keep d:create" {
		t.Errorf("plan %q", got)
	}
	if len(res.Failed) != 1 || res.Failed[0].Name != "bad" || !strings.Contains(res.Failed[0].Err.Error(), "containers.bad: invalid limits.memory") {
		t.Errorf("failures %+v", res.Failed)
	}
	if tm.Exists("b") || !tm.Exists("d") || !tm.Exists("hand") {
		t.Error("b not destroyed, d not created, or hand destroyed")
	}
	if _, err := os.Stat(tm.paths.declaredFile("b")); err == nil {
		t.Error("b's declared file is left")
	}

	// --prune-all takes hand-made containers too; listed, one is taken over.
	delete(decl, "bad")
	decl["hand"] = map[string]any{"system": "h"}
	res = apply(decl, ApplyOptions{PruneAll: true})
	if got := actions(res.Steps); got != "a:keep c:keep d:keep hand:keep" || !res.Steps[3].Adopt || len(res.Failed) != 0 {
		t.Errorf("taking hand over: %q %+v", got, res.Failed)
	}
	if rec, _ := tm.recs.load("hand"); !rec.Declared {
		t.Error("hand is not declared after apply took it over")
	}
	res = apply(map[string]map[string]any{}, ApplyOptions{})
	if got := actions(res.Steps); got != "a:destroy c:destroy d:destroy hand:destroy" {
		t.Errorf("an empty declaration: %q", got)
	}
	if names, _ := tm.Names(); len(names) != 0 {
		t.Errorf("left %v", names)
	}
}

// What applies only at a start restarts a running container (stop, update,
// start), or, with restartIfChanged false, waits for its next start; a
// network change of a running container that may not restart is held.
// A stopped autoStart container is started.
func TestApplyRestarts(t *testing.T) {
	tm := newTestManager(t)
	decl := map[string]map[string]any{
		"r": {"system": "1", "autostart": true},
		"n": {"system": "1", "autostart": true, "restartIfChanged": false},
		"s": {"system": "1", "autostart": true},
	}
	apply := func() ApplyResult {
		t.Helper()
		res, err := tm.Apply(ctx, tm.declaration(decl), ApplyOptions{Parallel: 2})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := apply(); len(res.Failed) != 0 {
		t.Fatalf("first apply: %+v", res.Failed)
	}
	starts := tm.lxc.starts["r"]
	tm.must(tm.Stop(ctx, "s", time.Second))
	decl["r"]["limits"] = map[string]any{"pids": 100}
	decl["n"]["limits"] = map[string]any{"pids": 100}
	res := apply()
	if got := actions(res.Steps); got != "n:update r:restart s:start" || len(res.Failed) != 0 {
		t.Errorf("plan %q, failures %+v", got, res.Failed)
	}
	if tm.lxc.starts["r"] != starts+1 {
		t.Errorf("r was started %d times, want once more", tm.lxc.starts["r"]-starts)
	}
	for _, name := range []string{"r", "n", "s"} {
		if s, _ := tm.State(ctx, name); s != lxcapi.Running {
			t.Errorf("%s is %s", name, s)
		}
	}
	decl["n"]["network"] = map[string]any{"enableNat": true}
	res = apply()
	if len(res.Failed) != 1 || res.Failed[0].Name != "n" || !strings.Contains(res.Failed[0].Err.Error(), "restartIfChanged is false") {
		t.Errorf("a held network change: %+v", res.Failed)
	}
}

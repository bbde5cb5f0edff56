package container

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func (tm *testManager) lastBuild() (file, flake string) {
	tm.nix.mu.Lock()
	defer tm.nix.mu.Unlock()
	b := tm.nix.builds[len(tm.nix.builds)-1]
	return b.ConfigFile, b.Flake
}

// update NAME without a file rebuilds the current generation's source: after
// a rollback, the older one.
func TestUpdateFromRecordedSource(t *testing.T) {
	tm := newTestManager(t)
	a := tm.config("a.json", "one", nil)
	b := tm.config("b.json", "two", nil)
	tm.must(tm.Create(ctx, "web", a, CreateOptions{}))
	tm.must(tm.Update(ctx, "web", b, UpdateOptions{}))
	tm.must(tm.Update(ctx, "web", "", UpdateOptions{}))
	if file, _ := tm.lastBuild(); file != b {
		t.Errorf("update without a file built %s, want %s", file, b)
	}
	tm.must(tm.Rollback(ctx, "web"))
	// a's configuration changed since (a nixpkgs bump, say).
	tm.config("a.json", "one, newer", nil)
	tm.must(tm.Update(ctx, "web", "", UpdateOptions{}))
	if file, _ := tm.lastBuild(); file != a {
		t.Errorf("after a rollback, update without a file built %s, want %s", file, a)
	}
	gens, _ := tm.ListGenerations(ctx, "web")
	if len(gens) != 3 {
		t.Fatalf("generations %+v, want 3", gens)
	}
	rec, _ := tm.recs.load("web")
	if rec.ConfigFile != a || len(rec.Sources) != 3 || rec.Sources[gens[1].Path].ConfigFile != b {
		t.Errorf("record: %s, sources %+v", rec.ConfigFile, rec.Sources)
	}
	// Nix arguments given once stay with that generation's source.
	tm.Manager.nixArgs = []string{"-I", "nixpkgs=/x"}
	tm.must(tm.Update(ctx, "web", b, UpdateOptions{}))
	tm.Manager.nixArgs = nil
	rec, _ = tm.recs.load("web")
	if !reflect.DeepEqual(rec.NixArgs, []string{"-I", "nixpkgs=/x"}) {
		t.Errorf("nix args %q", rec.NixArgs)
	}
	d, _ := tm.Describe(ctx, "web")
	if d.Source.ConfigFile != b || len(d.Source.NixArgs) != 2 {
		t.Errorf("Describe's source: %+v", d.Source)
	}
	// Deleting generations forgets their sources.
	_, err := tm.DeleteGenerations(ctx, "web", []string{"old"})
	tm.must(err)
	rec, _ = tm.recs.load("web")
	if len(rec.Sources) != 1 {
		t.Errorf("sources after delete-generations old: %+v", rec.Sources)
	}
	// A source that has gone is named.
	os.Remove(b)
	if err := tm.Update(ctx, "web", "", UpdateOptions{}); KindOf(err) != KindInvalid || !strings.Contains(err.Error(), b) {
		t.Errorf("update from a source that has gone: %v", err)
	}
}

func TestFlakeSource(t *testing.T) {
	tm := newTestManager(t)
	dir := filepath.Join(tm.dir, "flake")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "flake.nix"), []byte(`{"form":"flake","unknown":[],"misplaced":[],"system":"f1","autostart":true}`), 0o644)
	tm.must(tm.Create(ctx, "fl", "", CreateOptions{Flake: dir}))
	rec, _ := tm.recs.load("fl")
	if rec.Flake != dir+"#fl" || rec.ConfigFile != "" || !rec.Settings.Autostart.Enable {
		t.Errorf("record of a flake container: %+v", rec)
	}
	tm.must(tm.Update(ctx, "fl", "", UpdateOptions{}))
	if _, flake := tm.lastBuild(); flake != dir+"#fl" {
		t.Errorf("update without a source built flake %q", flake)
	}
	file := tm.config("f.json", "file", nil)
	tm.must(tm.Update(ctx, "fl", file, UpdateOptions{}))
	rec, _ = tm.recs.load("fl")
	if rec.Flake != "" || rec.ConfigFile != file {
		t.Errorf("a flake container updated from a file: %+v", rec.source())
	}
	tm.must(tm.Rollback(ctx, "fl"))
	if rec, _ = tm.recs.load("fl"); rec.Flake != dir+"#fl" {
		t.Errorf("rolled back, the source is %+v", rec.source())
	}
	if err := tm.Update(ctx, "fl", file, UpdateOptions{Flake: dir}); KindOf(err) != KindInvalid {
		t.Errorf("a file and a flake: %v", err)
	}
	if err := tm.Create(ctx, "none", "", CreateOptions{}); KindOf(err) != KindInvalid {
		t.Errorf("create without a source: %v", err)
	}
}

func TestFlakeRef(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "flake.nix"), []byte("{}"), 0o644)
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(filepath.Dir(dir))
	rel := "./" + filepath.Base(dir)
	for _, c := range []struct{ ref, want, err string }{
		{dir, dir + "#web", ""},
		{rel + "#other", dir + "#other", ""},
		{"github:me/configs#box", "github:me/configs#box", ""},
		{"path:/srv/flake", "path:/srv/flake#web", ""},
		{"#web", "", "no flake before #"},
		{dir + "#bad name", "", "flake attribute"},
		{filepath.Join(dir, "missing"), "", "no flake.nix"},
	} {
		got, err := flakeRef(c.ref, "web")
		if got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("flakeRef(%q) = %q, %v; want %q, %q", c.ref, got, err, c.want, c.err)
		}
	}
}

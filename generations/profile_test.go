package generations

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/internal/testenv"
)

// storePath adds a small file to the real Nix store.
func storePath(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "gen-"+content)
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("nix-store", "--add", f).Output()
	if err != nil {
		t.Fatalf("nix-store --add: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func nixEnv(t *testing.T, profile string, args ...string) string {
	t.Helper()
	out, err := exec.Command("nix-env", append([]string{"-p", profile}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("nix-env %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func currentNumber(t *testing.T, p Profile) int {
	t.Helper()
	gens, err := p.List()
	if err != nil {
		t.Fatal(err)
	}
	g, ok := CurrentOf(gens)
	if !ok {
		t.Fatal("no current generation")
	}
	return g.Number
}

// TestProfileAgreesWithNixEnv: a profile written by nixlxc reads the same in
// nix-env, and one moved by nix-env reads the same in nixlxc.
func TestProfileAgreesWithNixEnv(t *testing.T) {
	testenv.RequireTools(t, "nix-env", "nix-store")
	dir := t.TempDir()
	roots := filepath.Join(dir, "gcroots")
	p := Profile{Path: filepath.Join(dir, "per-container", "web", "system"), GCRootDir: roots}
	p1, p2, p3 := storePath(t, "one"), storePath(t, "two"), storePath(t, "three")

	l, err := p.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if g, created, err := p.Add(p1); err != nil || !created || g.Number != 1 {
		t.Fatalf("Add(p1) = %+v, %v, %v", g, created, err)
	}
	if g, created, err := p.Add(p1); err != nil || created || g.Number != 1 {
		t.Fatalf("Add(p1) again = %+v, %v, %v; want no new generation", g, created, err)
	}
	if g, created, err := p.Add(p2); err != nil || !created || g.Number != 2 {
		t.Fatalf("Add(p2) = %+v, %v, %v", g, created, err)
	}
	l.Release()

	list := nixEnv(t, p.Path, "--list-generations")
	if !strings.Contains(list, "   1   ") || !strings.Contains(list, "   2   ") || !strings.Contains(list, "(current)") {
		t.Fatalf("nix-env does not see nixlxc's generations:\n%s", list)
	}
	if got := Format(mustList(t, p)); got != list {
		t.Errorf("list differs from nix-env's:\nnixlxc:\n%s\nnix-env:\n%s", got, list)
	}

	nixEnv(t, p.Path, "--rollback")
	if n := currentNumber(t, p); n != 1 {
		t.Errorf("after nix-env --rollback, nixlxc sees current %d, want 1", n)
	}
	nixEnv(t, p.Path, "--set", p3)
	gens := mustList(t, p)
	if g, _ := CurrentOf(gens); g.Number != 3 || g.Path != p3 {
		t.Errorf("after nix-env --set, nixlxc sees %+v, want generation 3 -> %s", g, p3)
	}
	// nix-env made an indirect root for its generation with the name nixlxc
	// computes, so both tools keep (and remove) the same roots.
	link, _ := filepath.Abs(filepath.Join(filepath.Dir(p.Path), "system-3-link"))
	if _, err := os.Lstat(filepath.Join("/nix/var/nix/gcroots/auto", GCRootName(link))); err != nil {
		t.Errorf("nix-env's GC root for %s is not where nixlxc looks: %v", link, err)
	}
	if _, err := os.Lstat(filepath.Join(roots, GCRootName(filepath.Join(filepath.Dir(p.Path), "system-1-link")))); err != nil {
		t.Errorf("nixlxc made no GC root for generation 1: %v", err)
	}

	if _, err := p.Switch(2); err != nil {
		t.Fatal(err)
	}
	if out := nixEnv(t, p.Path, "--list-generations"); !strings.Contains(out, "   2   ") || !strings.Contains(strings.Split(out, "\n")[1], "(current)") {
		t.Errorf("nix-env does not see generation 2 as current:\n%s", out)
	}
	if err := p.Delete([]int{2}); err == nil {
		t.Error("deleting the current generation succeeded")
	}
	if err := p.Delete([]int{1}); err != nil {
		t.Fatal(err)
	}
	nixEnv(t, p.Path, "--delete-generations", "3")
	if gens := mustList(t, p); len(gens) != 1 || gens[0].Number != 2 {
		t.Errorf("after deletes: %+v, want only generation 2", gens)
	}

	// Clean up nix-env's own root too, as destroy must.
	global := Profile{Path: p.Path, GCRootDir: "/nix/var/nix/gcroots/auto"}
	if err := global.RemoveAll(); err != nil {
		t.Fatal(err)
	}
	if err := p.RemoveAll(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{roots, "/nix/var/nix/gcroots/auto"} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if target, _ := os.Readlink(filepath.Join(d, e.Name())); strings.HasPrefix(target, dir) {
				t.Errorf("GC root %s -> %s left behind", e.Name(), target)
			}
		}
	}
}

func mustList(t *testing.T, p Profile) []Generation {
	t.Helper()
	gens, err := p.List()
	if err != nil {
		t.Fatal(err)
	}
	return gens
}

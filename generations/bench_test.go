package generations

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/nixlxc/nixlxc/internal/testenv"
)

// The profile operations nixlxc does itself, against nix-env doing the same
// on the same kind of profile: `make bench` prints both.

func benchProfile(b *testing.B) (Profile, []string) {
	testenv.RequireTools(b, "nix-env", "nix-store")
	p := Profile{Path: filepath.Join(b.TempDir(), "per-container", "bench", "system"), GCRootDir: filepath.Join(b.TempDir(), "roots")}
	paths := []string{storePathB(b, "bench-a"), storePathB(b, "bench-b")}
	for _, sp := range paths {
		if _, _, err := p.Add(sp); err != nil {
			b.Fatal(err)
		}
	}
	return p, paths
}

func storePathB(b *testing.B, content string) string {
	b.Helper()
	f := filepath.Join(b.TempDir(), content)
	if err := writeFile(f, content); err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command("nix-store", "--add", f).Output()
	if err != nil {
		b.Fatal(err)
	}
	return string(out[:len(out)-1])
}

// BenchmarkSwitchRollback: lock, switch to generation 1, lock, switch back.
func BenchmarkSwitchRollback(b *testing.B) {
	p, _ := benchProfile(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range []int{1, 2} {
			l, err := p.Lock(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Switch(n); err != nil {
				b.Fatal(err)
			}
			l.Release()
		}
	}
}

// BenchmarkNixEnvSwitchRollback: the same two moves with nix-env.
func BenchmarkNixEnvSwitchRollback(b *testing.B) {
	p, _ := benchProfile(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range []int{1, 2} {
			if out, err := exec.Command("nix-env", "-p", p.Path, "--switch-generation", strconv.Itoa(n)).CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
		}
	}
}

// BenchmarkList: read the generations.
func BenchmarkList(b *testing.B) {
	p, _ := benchProfile(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.List(); err != nil {
			b.Fatal(err)
		}
	}
}

func writeFile(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o644)
}

package tests

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/internal/testenv"
)

// The stand-in nixpkgs' own evaluation tests: module system, priorities,
// laziness, and nixcloud-container's example configs.
func TestStandinEval(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate")
	standin := filepath.Join(repoRoot, "standin-nixpkgs")
	out, err := exec.Command("nix-instantiate", "--eval", "--strict",
		filepath.Join(standin, "tests", "eval.nix"), "-I", "nixpkgs="+standin).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "true" {
		t.Fatalf("standin-nixpkgs/tests/eval.nix: %v\n%s", err, out)
	}
}

// The stand-in's boot test: its init, supervisor and switch-to-configuration
// in real containers started with LXC's own tools.
func TestStandinBoot(t *testing.T) {
	if !isolate(t) {
		return
	}
	testenv.RequireTools(t, "lxc-start", "nix-build")
	out, err := exec.Command("bash", filepath.Join(repoRoot, "standin-nixpkgs", "tests", "boot-test.sh")).CombinedOutput()
	if err != nil {
		t.Fatalf("boot-test.sh: %v\n%s", err, out)
	}
}

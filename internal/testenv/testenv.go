// Package testenv gates tests on what the machine must have. Tests that need
// root are skipped for a developer without it, but never in CI: there, as
// root, a missing tool is a failure, not a skip.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireRoot skips t unless it runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// RequireTools fails t when a tool it needs is missing on a root machine.
func RequireTools(t testing.TB, tools ...string) {
	t.Helper()
	RequireRoot(t)
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run scripts/setup-host.sh", tool)
		}
	}
}

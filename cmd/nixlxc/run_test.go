package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run's own --config (the throwaway container's file) is not the global
// one (the installation's settings), wherever each is written.
func TestRunRmConfigIsNotTheGlobalOne(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{ "stateDri": "/x" }`), 0o644)
	cases := []struct {
		args    []string
		code    int
		mention string
	}{
		// The global file is read, and refused: run's --config did not hide it.
		{[]string{"--config", bad, "run", "--rm", "--config", filepath.Join(dir, "c.nix"), "--", "true"}, 2, "stateDri"},
		{[]string{"run", "--rm", "--", "true"}, 2, "--rm and --config FILE go together"},
		{[]string{"run", "--config", "c.nix", "web", "--", "true"}, 2, "--rm and --config FILE go together"},
		{[]string{"run", "--rm", "--config", "c.nix"}, 2, "needs a command"},
		{[]string{"run", "web"}, 2, "needs NAME and a command"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"nixlxc"}, c.args...), &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.mention) {
			t.Errorf("nixlxc %s: exit %d %q, want exit %d mentioning %q", strings.Join(c.args, " "), code, stderr.String(), c.code, c.mention)
		}
	}
}

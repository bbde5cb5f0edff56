package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigFileCannotReadTheHost: a container's config file is evaluated
// in Nix's restricted mode and built in Nix's sandbox, whatever the host's
// nix.conf says: it cannot read a host file into the store or the
// container (builtins.readFile /etc/shadow), and its builders do not run
// as root on the host.
func TestConfigFileCannotReadTheHost(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	// A host file outside the config file's directory.
	elsewhere, err := os.MkdirTemp("", "nixlxc-secret-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(elsewhere)
	secret := filepath.Join(elsewhere, "secret")
	if err := os.WriteFile(secret, []byte("host secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	steal := h.file("steal.nix", `{ ... }: { environment.etc.stolen.text = builtins.readFile `+secret+`; }`)
	h.fails(7, []string{"forbidden in restricted mode"}, "create", "xrest", steal)
	if left := h.leftovers("xrest"); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
	// Its settings too: they are read in the same mode.
	h.fails(7, []string{"forbidden in restricted mode"}, "create", "xrest",
		h.file("steal2.nix", `{ lxcExtraConfig = builtins.readFile `+secret+`; configuration = { ... }: { }; }`))

	pwned := filepath.Join(h.dir, "pwned")
	build := h.file("build.nix", `{ pkgs, ... }: {
  environment.etc.builder.source = pkgs.runCommand "whoami-`+filepath.Base(h.dir)+`" { } "id -u > $out; cat /etc/shadow >> $out 2>&1 || true; echo x > `+pwned+` || true";
}`)
	h.must("create", "xrest", build)
	h.must("start", "xrest")
	got := h.must("run", "xrest", "--", "cat", "/etc/builder")
	if strings.HasPrefix(got, "0\n") || strings.Contains(got, "root:") {
		t.Errorf("the builder ran as host root or read the host's /etc/shadow:\n%s", got)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Error("the builder wrote a host file")
	}
	// Files beside the config file stay readable: its own directory is
	// on the search path.
	os.Mkdir(filepath.Join(h.dir, "lib"), 0o755)
	h.file("lib/common.nix", `{ environment.etc.common.text = "shared"; }`)
	h.must("update", "xrest", h.file("withimport.nix", `{ ... }: { imports = [ ./lib/common.nix ]; }`))
	if got := strings.TrimSpace(h.must("run", "xrest", "--", "cat", "/etc/common")); got != "shared" {
		t.Errorf("/etc/common = %q", got)
	}
}

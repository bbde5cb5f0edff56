package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	standinpkg "github.com/nixlxc/nixlxc/internal/standin"
)

// TestBadInput: every mistake gets one clear line, a non-zero exit code, and
// leaves the host as it was: no container, profile, GC root or address.
func TestBadInput(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	good := example("hello.nix")
	syntax := h.file("syntax.nix", "{ pkgs, ... }: {\n  environment.etc.x.text = ;\n}\n")
	undefined := h.file("undefined.nix", "{ pkgs, ... }: {\n  environment.etc.x.text = nosuchthing;\n}\n")
	unknown := h.file("unknown.nix", `{ autostrat = true; configuration = {}; }`)
	misplaced := h.file("misplaced.nix", `{ autostart = true; services.openssh.enable = true; }`)
	inject := h.file("inject.nix", `{ lxcExtraConfig = "lxc.idmap = u 0 0 65536"; configuration = {}; }`)
	newline := h.file("newline.nix", `{ lxcExtraConfig = "lxc.environment = A=1\nlxc.idmap = u 0 0 65536"; configuration = {}; }`)
	badIP := h.file("badip.nix", `{ network.ip = "10.101.0.300"; configuration = {}; }`)
	badType := h.file("badtype.nix", `{ autostart = "yes"; configuration = {}; }`)
	unknownKey := h.file("unknownkey.nix", `{ lxcExtraConfig = "lxc.no.such.key = 1"; configuration = {}; }`)
	throws := h.file("throws.nix", `{ pkgs, ... }: { environment.etc.x.text = throw "the config says no"; }`)
	noNixpkgs := h.file("nonixpkgs.nix", `{ ... }: { }`)
	recursion := h.file("recursion.nix", `let x = x; in { autostart = x; configuration = { }; }`)
	sysctl := h.file("sysctl.nix", `{ lxcExtraConfig = "lxc.sysctl.kernel.panic = 1"; configuration = { }; }`)
	hook := h.file("hook.nix", `{ lxcExtraConfig = "lxc.hook.pre-start = /bin/sh -c 'touch /tmp/pwned'"; configuration = { }; }`)
	binary := h.file("binary.nix", "\x00\xff\xfe garbage")
	missingImport := h.file("import.nix", `import ./does-not-exist.nix`)
	traversal := h.file("traversal.nix", `{ name = "../../../etc"; configuration = { ... }: { }; }`)
	notAFunction := h.file("number.nix", `42`)

	cases := []struct {
		name    string
		args    []string
		code    int
		mention []string
	}{
		{"empty name", []string{"create", "", good}, 2, []string{"empty"}},
		{"dot dot", []string{"create", "..", good}, 2, []string{`".."`}},
		{"slash", []string{"create", "a/b", good}, 2, []string{"a/b"}},
		{"upper case", []string{"create", "Web", good}, 2, []string{"Web", "lower-case"}},
		{"newline", []string{"create", "web\nx", good}, 2, []string{`"web\nx"`}},
		{"too long", []string{"create", "abcdefghijkl", good}, 2, []string{"longer than 11"}},
		{"missing file", []string{"create", "web", "/no/such.nix"}, 2, []string{"/no/such.nix", "no such file"}},
		{"missing args", []string{"create", "web"}, 2, []string{"NAME and CONFIG.nix"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{"frobnicate"}},
		{"syntax error", []string{"create", "web", syntax}, 7, []string{"syntax error", "syntax.nix:2:"}},
		{"undefined variable", []string{"create", "web", undefined}, 7, []string{"undefined variable 'nosuchthing'", "undefined.nix:2:"}},
		{"throw", []string{"create", "web", throws}, 7, []string{"the config says no"}},
		{"unknown setting", []string{"create", "web", unknown}, 2, []string{"autostrat"}},
		{"misplaced setting", []string{"create", "web", misplaced}, 2, []string{"autostart", "configuration"}},
		{"extra config owned key", []string{"create", "web", inject}, 2, []string{"lxc.idmap"}},
		{"extra config second line", []string{"create", "web", newline}, 2, []string{"lxc.idmap"}},
		{"extra config unknown key", []string{"create", "web", unknownKey}, 2, []string{"lxc.no.such.key"}},
		{"bad ip", []string{"create", "web", badIP}, 2, []string{"10.101.0.300"}},
		{"bad type", []string{"create", "web", badType}, 2, []string{"autostart"}},
		{"bad nix args", []string{"create", "web", good, "-n", "-I 'nixpkgs=/x"}, 2, []string{"quote"}},
		{"start unknown", []string{"start", "nope"}, 3, []string{"no such container: nope"}},
		{"stop unknown", []string{"stop", "nope"}, 3, []string{"nope"}},
		{"terminate unknown", []string{"terminate", "nope"}, 3, []string{"nope"}},
		{"state unknown", []string{"state", "nope"}, 3, []string{"nope"}},
		{"run unknown", []string{"run", "nope", "--", "true"}, 3, []string{"nope"}},
		{"login unknown", []string{"login", "nope"}, 3, []string{"nope"}},
		{"destroy unknown", []string{"destroy", "nope"}, 3, []string{"nope"}},
		{"run without command", []string{"run", "nope"}, 2, []string{"command"}},
		{"infinite recursion", []string{"create", "web", recursion}, 7, []string{"infinite recursion"}},
		{"hook in extra config", []string{"create", "web", hook}, 2, []string{"lxc.hook.pre-start", "host commands"}},
		{"a sysctl of no namespace", []string{"create", "web", sysctl}, 2, []string{"kernel.panic", "not a sysctl of the container's own namespaces"}},
		{"binary file", []string{"create", "web", binary}, 7, []string{"binary.nix"}},
		{"missing import", []string{"create", "web", missingImport}, 7, []string{"does-not-exist.nix"}},
		{"device", []string{"create", "web", "/dev/zero"}, 2, []string{"not a regular file"}},
		{"directory", []string{"create", "web", "/tmp"}, 2, []string{"directory"}},
		{"not a configuration", []string{"create", "web", notAFunction}, 7, []string{}},
		{"unknown generation", []string{"switch-generation", "nope", "3"}, 3, []string{"nope"}},
		{"list-generations unknown", []string{"list-generations", "nope"}, 3, []string{"nope"}},
		{"delete-generations unknown", []string{"delete-generations", "nope", "old"}, 3, []string{"nope"}},
		{"show-ip unknown", []string{"show-ip", "nope"}, 3, []string{"nope"}},
		{"update missing file", []string{"update", "nope", "/no/such.nix"}, 2, []string{"no such file"}},
		{"state bad name", []string{"state", "../../etc"}, 2, []string{"../../etc"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			h.fails(c.code, c.mention, c.args...)
			if out := h.must("list"); out != "" {
				t.Errorf("list after a failed command = %q", out)
			}
			assertNothingOf(t, h)
		})
	}
	h.t = t

	// Without any nixpkgs, Nix's own message says what is missing.
	env := h.env
	h.env = append(append([]string{}, env...), "NIX_PATH=")
	h.fails(7, []string{"nixpkgs", "was not found in the Nix search path"}, "create", "web", noNixpkgs)
	assertNothingOf(t, h)
	// nixcloud's -n passes Nix arguments through (after the positional
	// arguments, as nixcloud took them), and update reuses them.
	// The stand-in and what it reads of the host, as -I arguments.
	standin := "-I " + strings.ReplaceAll(standinpkg.NixPath(repoRoot), ":", " -I ")
	h.must("create", "web", noNixpkgs, "-n", standin)
	h.must("update", "web", good)
	if gens := h.list(); len(gens) != 1 || gens[0].Generation != 2 {
		t.Errorf("update without -n did not build with create's Nix arguments: %+v", gens)
	}
	h.must("destroy", "web")
	h.env = env
	assertNothingOf(t, h)

	// A name in the file cannot steer paths: the command line's name wins.
	h.must("create", "trav", traversal)
	if _, err := os.Stat(filepath.Join(h.stateDir, "lxc", "trav", "nixlxc.json")); err != nil {
		t.Errorf("the container is not where its command-line name says: %v", err)
	}
	if _, err := os.Stat("/tmp/pwned"); err == nil {
		t.Error("a hook ran")
	}
	h.must("destroy", "trav")

	// A profile nixlxc did not make (a nixos-container's) is never taken.
	foreign := filepath.Join(h.profileDir, "nspawn")
	os.MkdirAll(foreign, 0o755)
	h.fails(4, []string{"not nixlxc's", "nixos-container"}, "create", "nspawn", good)
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("the foreign profile is gone: %v", err)
	}
	if f := h.doctor(true); len(f) != 0 {
		t.Errorf("doctor touches the foreign profile: %+v", f)
	}
	os.RemoveAll(foreign)

	// An existing name, and a stopped container, are refused too.
	h.must("create", "web", good)
	h.fails(4, []string{"already exists", "web"}, "create", "web", good)
	h.fails(5, []string{"web", "STOPPED"}, "run", "web", "--", "true")
	h.fails(5, []string{"web"}, "login", "web")
	if gens := h.list(); len(gens) != 1 || gens[0].Generation != 1 {
		t.Errorf("the failed second create changed the first: %+v", gens)
	}
	h.must("destroy", "web")
	assertNothingOf(t, h)
}

// assertNothingOf fails if any container's traces exist in h.
func assertNothingOf(t *testing.T, h *host) {
	t.Helper()
	for _, d := range []string{filepath.Join(h.stateDir, "lxc"), h.profileDir} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			t.Errorf("left behind: %s", filepath.Join(d, e.Name()))
		}
	}
	roots, _ := os.ReadDir("/nix/var/nix/gcroots/auto")
	for _, e := range roots {
		target, _ := os.Readlink(filepath.Join("/nix/var/nix/gcroots/auto", e.Name()))
		if strings.HasPrefix(target, h.dir) {
			t.Errorf("GC root left behind: %s -> %s", e.Name(), target)
		}
	}
	tmp, _ := os.ReadDir(filepath.Join(h.stateDir, "tmp"))
	for _, e := range tmp {
		t.Errorf("build link left behind: %s", e.Name())
	}
	locks, _ := os.ReadDir(filepath.Join(h.stateDir, "locks"))
	for _, e := range locks {
		if !strings.HasPrefix(e.Name(), "_") {
			t.Errorf("lock file left behind: %s", e.Name())
		}
	}
}

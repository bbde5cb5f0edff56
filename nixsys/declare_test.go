package nixsys

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/internal/standin"
	"github.com/nixlxc/nixlxc/internal/testenv"
	"github.com/nixlxc/nixlxc/spec"
)

// A declaration, in Nix and in JSON, read by the real nix-instantiate: the
// containers' settings under their file names, config files (by path, in
// place, nixcloud's form), what is set twice, unknown options; the file
// apply writes for one container reads as that container's.
func TestDeclarationsWithNix(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate")
	n := Nix{ExprDir: t.TempDir()}
	ctx := context.Background()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "web.nix"), []byte(`{ pkgs, ... }: { }`), 0o644)
	os.WriteFile(filepath.Join(dir, "form.nix"), []byte(`{ autostart = true; network.enableNat = true; configuration = { ... }: { }; }`), 0o644)
	decl := filepath.Join(dir, "containers.nix")
	os.WriteFile(decl, []byte(`{
  web = { config = ./web.nix; autoStart = true; extraConfig = "lxc.environment = A=1"; forwardPorts = [ { hostPort = 8080; } ];
    restartIfChanged = false; timeoutStartSec = "2min"; };
  inline = { config = { pkgs, ... }: { }; ephemeral = true; };
  form = { config = ./form.nix; limits.pids = 10; };
  twice = { config = ./form.nix; autoStart = false; };
  typo = { config = ./web.nix; autostart = true; };
  none = { autoStart = true; };
  bad = "web";
}`), 0o644)
	all, err := n.Declarations(ctx, decl)
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) spec.DeclEvaluated {
		e, ok := all[name]
		if !ok {
			t.Fatalf("no %s in %v", name, all)
		}
		return e
	}
	if web := get("web"); string(web.Autostart) != "true" || string(web.LXCExtraConfig) != `"lxc.environment = A=1"` ||
		!strings.Contains(string(web.ForwardPorts), "8080") || string(web.RestartIfChanged) != "false" || string(web.TimeoutStartSec) != `"2min"` {
		t.Errorf("web: %+v", web)
	}
	if e := get("inline"); string(e.Ephemeral) != "true" || e.NoConfig {
		t.Errorf("inline: %+v", e)
	}
	if e := get("form"); string(e.Autostart) != "true" || !strings.Contains(string(e.Network), "enableNat") || !strings.Contains(string(e.Limits), "10") {
		t.Errorf("a nixcloud-style config file's settings with the declaration's: %+v", e)
	}
	if e := get("twice"); len(e.Both) != 1 || e.Both[0] != "autoStart" {
		t.Errorf("twice: both %v", e.Both)
	}
	if e := get("typo"); len(e.DeclUnknown) != 1 || e.DeclUnknown[0] != "autostart" {
		t.Errorf("typo: unknown %v", e.DeclUnknown)
	}
	if !get("none").NoConfig || !get("bad").NotASet {
		t.Errorf("none %+v, bad %+v", get("none"), get("bad"))
	}

	if d := get("web").ConfigDir; d != dir || get("inline").ConfigDir != "" {
		t.Errorf("web's config directory %q, inline's %q", d, get("inline").ConfigDir)
	}

	// The file apply writes for web (in a directory of its own) is web,
	// for Settings and the build, which read the declaration's directory
	// when allowed to, and nothing else.
	text, err := n.DeclaredFile(decl, "web")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "web.nix")
	os.WriteFile(file, text, 0o644)
	if _, err := n.Settings(ctx, file); err == nil || !strings.Contains(err.Error(), "restricted mode") {
		t.Errorf("the declared file read its declaration without being allowed to: %v", err)
	}
	allowed := n
	allowed.Allow = []string{dir}
	e, err := allowed.Settings(ctx, file)
	if err != nil || e.Form != "attrset" || string(e.Autostart) != "true" {
		t.Errorf("the declared file reads as %+v, %v", e, err)
	}

	// A config file elsewhere is read (its directory is opened); a host
	// file the declaration reads is not.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "o.nix"), []byte(`{ autostart = true; configuration = import ./module.nix; }`), 0o644)
	os.WriteFile(filepath.Join(other, "module.nix"), []byte(`{ ... }: { }`), 0o644)
	os.WriteFile(decl, []byte(`{ o = { config = `+other+`/o.nix; }; }`), 0o644)
	if all, err := n.Declarations(ctx, decl); err != nil || string(all["o"].Autostart) != "true" || all["o"].ConfigDir != other {
		t.Errorf("a config file in another directory: %+v, %v", all["o"], err)
	}
	os.WriteFile(decl, []byte(`{ o = { config = ./web.nix; extraConfig = builtins.readFile /etc/passwd; }; }`), 0o644)
	if all, err := n.Declarations(ctx, decl); err == nil && !strings.Contains(all["o"].EvalErr, "restricted mode") {
		t.Errorf("a declaration read /etc/passwd: %+v", all["o"])
	}

	// JSON: config paths relative to the declaration's directory.
	js := filepath.Join(dir, "containers.json")
	os.WriteFile(js, []byte(`{ "web": { "config": "web.nix", "autoStart": true }, "abs": { "config": "`+filepath.Join(dir, "form.nix")+`" } }`), 0o644)
	all, err = n.Declarations(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(all["abs"].Network); string(all["web"].Autostart) != "true" || !strings.Contains(string(b), "enableNat") {
		t.Errorf("JSON declaration: %+v", all)
	}
	// A container whose config file is missing carries its error; the
	// others are read all the same.
	os.WriteFile(decl, []byte(`{ web = { config = ./web.nix; autoStart = true; }; gone = { config = ./gone.nix; }; }`), 0o644)
	all, err = n.Declarations(ctx, decl)
	if err != nil || string(all["web"].Autostart) != "true" || !strings.Contains(all["gone"].EvalErr, "gone.nix") {
		t.Errorf("a missing config file: %+v, %v", all, err)
	}
	// A file that is no set of containers says so.
	os.WriteFile(decl, []byte(`[ 1 2 ]`), 0o644)
	if _, err := n.Declarations(ctx, decl); err == nil || !strings.Contains(err.Error(), "a declaration is an attribute set of containers") {
		t.Errorf("a list as declaration: %v", err)
	}
	if s := nixString("a\"b\\c${d}\n"); s != `"a\"b\\c\${d}\n"` {
		t.Errorf("nixString = %s", s)
	}
}

// Systems evaluates what BuildSystem would build, without building it.
func TestSystemsWithNix(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate", "nix-build")
	root, _ := filepath.Abs("..")
	n := Nix{ExprDir: t.TempDir(),
		Env: append(os.Environ(), "NIX_PATH="+standin.NixPath(root), "NIXLXC_STANDIN_INIT=busybox")}
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "c.nix")
	os.WriteFile(file, []byte(`{ ... }: { environment.etc.systems-test.text = "`+file+`"; }`), 0o644)
	b := Build{ConfigFile: file, Name: "sysa", IP: "10.101.0.2", Settings: spec.Settings{Autostart: spec.Autostart{Enable: true}}}
	c := b
	c.Name = "sysb"
	paths, err := n.Systems(ctx, map[string]Build{"a": b, "b": c})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(paths["a"], "/nix/store/") || paths["a"] == paths["b"] {
		t.Fatalf("systems %v", paths)
	}
	built, err := n.BuildSystem(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if built != paths["a"] {
		t.Errorf("evaluated %s, built %s", paths["a"], built)
	}
	// One that does not evaluate fails the whole evaluation (apply then
	// evaluates each alone).
	bad := filepath.Join(t.TempDir(), "bad.nix")
	os.WriteFile(bad, []byte(`{ ... }: throw "no"`), 0o644)
	if _, err := n.Systems(ctx, map[string]Build{"a": b, "bad": {ConfigFile: bad, Name: "bad", IP: "10.101.0.3"}}); err == nil {
		t.Error("a configuration that throws evaluated")
	}
}

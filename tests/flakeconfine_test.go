package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlakeCannotReadTheHost: a flake's inputs cannot make Nix copy a host
// directory into the store and the container (inputs.secrets.url =
// "path:/etc"): every input that reads the host's file system must be
// inside the flake's directory, the search path or the store, checked
// before Nix locks or fetches anything.
func TestFlakeCannotReadTheHost(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	registry := h.file("registry.json", `{"flakes":[],"version":2}`)
	nixArgs := "--option flake-registry " + registry
	// A root-only host file outside the flake's directory, named after the
	// test so a copy in the store can be found.
	secretDir := filepath.Join(h.dir, "secrets")
	os.Mkdir(secretDir, 0o700)
	secretName := "secret-" + filepath.Base(h.dir)
	if err := os.WriteFile(filepath.Join(secretDir, secretName), []byte("host secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flakeDir := filepath.Join(h.dir, "flake")
	os.Mkdir(flakeDir, 0o755)
	standin := filepath.Join(repoRoot, "standin-nixpkgs")
	writeFlake := func(dir, secretInput string) {
		t.Helper()
		content := `{
  inputs.nixpkgs.url = "path:` + standin + `";
  inputs.secrets = ` + secretInput + `;
  outputs = { self, nixpkgs, secrets }: {
    nixosConfigurations.fleak = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ({ ... }: { environment.etc.leak.text = builtins.readFile "${secrets}/` + secretName + `"; }) ];
    };
  };
}`
		if err := os.WriteFile(filepath.Join(dir, "flake.nix"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	attack := func(secretInput string, mention ...string) {
		t.Helper()
		writeFlake(flakeDir, secretInput)
		r := h.nixlxc("create", "fleak", "--flake", flakeDir, "-n", nixArgs)
		if r.code == 0 {
			h.must("start", "fleak")
			t.Errorf("inputs.secrets = %s: create succeeded; the container reads: %q", secretInput,
				h.nixlxc("run", "fleak", "--", "cat", "/etc/leak").stdout)
			h.must("destroy", "--force", "fleak")
			return
		}
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("inputs.secrets = %s: want one line and exit 2, got %s", secretInput, r)
		}
		for _, m := range mention {
			if !strings.Contains(r.stderr, m) {
				t.Errorf("inputs.secrets = %s: the error does not mention %q: %s", secretInput, m, r.stderr)
			}
		}
		if left := h.leftovers("fleak"); len(left) > 0 {
			t.Errorf("inputs.secrets = %s: left %v", secretInput, left)
		}
		if _, err := os.Stat(filepath.Join(flakeDir, "flake.lock")); err == nil {
			t.Errorf("inputs.secrets = %s: the flake was locked", secretInput)
			os.Remove(filepath.Join(flakeDir, "flake.lock"))
		}
		if copies, _ := filepath.Glob("/nix/store/*/" + secretName); len(copies) > 0 {
			t.Fatalf("inputs.secrets = %s: the secret was copied to %v", secretInput, copies)
		}
	}
	attack(`{ url = "path:`+secretDir+`"; flake = false; }`, "secrets", "path:"+secretDir)
	attack(`{ url = "`+secretDir+`"; flake = false; }`, "secrets")
	attack(`{ url = "path:./../secrets"; flake = false; }`, "secrets")
	attack(`{ url = "path:%2F`+strings.TrimPrefix(secretDir, "/")+`"; flake = false; }`, "secrets")
	attack(`{ url = "file://`+filepath.Join(secretDir, secretName)+`"; flake = false; }`, "secrets")
	attack(`{ url = "git+file://`+secretDir+`"; flake = false; }`, "secrets")
	attack(`{ type = "path"; path = "`+secretDir+`"; flake = false; }`, "secrets")
	// A symlink in the flake's directory out of it.
	os.Symlink(secretDir, filepath.Join(flakeDir, "link"))
	attack(`{ url = "path:./link"; flake = false; }`, "secrets")
	os.Remove(filepath.Join(flakeDir, "link"))
	// Computed inputs could say one thing to nixlxc and another to Nix.
	attack(`{ url = "path:" + "/tmp"; flake = false; }`, "literal")

	// A name computed by an expression: Nix takes ${"in" + "puts"} for the
	// inputs.
	if err := os.WriteFile(filepath.Join(flakeDir, "flake.nix"), []byte(`{
  ${"in" + "puts"} = { nixpkgs.url = "path:`+standin+`"; secrets = { url = "path:`+secretDir+`"; flake = false; }; };
  outputs = { self, nixpkgs, secrets }: {
    nixosConfigurations.fleak = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ({ ... }: { environment.etc.leak.text = builtins.readFile "${secrets}/`+secretName+`"; }) ];
    };
  };
}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := h.nixlxc("create", "fleak", "--flake", flakeDir, "-n", nixArgs); r.code != 2 || !strings.Contains(r.stderr, "literal") {
		t.Errorf("a computed inputs name: %s", r)
	}
	if copies, _ := filepath.Glob("/nix/store/*/" + secretName); len(copies) > 0 {
		t.Fatalf("a computed inputs name: the secret was copied to %v", copies)
	}
	os.Remove(filepath.Join(flakeDir, "flake.lock"))

	// An input of an input: a flake inside the directory whose own input
	// is the secret.
	inner := filepath.Join(flakeDir, "inner")
	os.Mkdir(inner, 0o755)
	os.WriteFile(filepath.Join(inner, "flake.nix"), []byte(`{
  inputs.s = { url = "path:`+secretDir+`"; flake = false; };
  outputs = { self, s }: { path = s; };
}`), 0o644)
	attack(`{ url = "path:./inner"; }`, "inner", "path:"+secretDir)
	// A lock file's node.
	os.RemoveAll(inner)
	sub := filepath.Join(flakeDir, "sub")
	os.Mkdir(sub, 0o755)
	os.WriteFile(filepath.Join(flakeDir, "flake.lock"), []byte(`{"nodes":{"root":{"inputs":{"secrets":"secrets"}},
"secrets":{"flake":false,"locked":{"path":"`+secretDir+`","type":"path"},"original":{"path":"`+secretDir+`","type":"path"}}},
"root":"root","version":7}`), 0o644)
	writeFlake(flakeDir, `{ url = "path:./sub"; flake = false; }`)
	r := h.nixlxc("create", "fleak", "--flake", flakeDir, "-n", nixArgs)
	if r.code != 2 || !strings.Contains(r.stderr, secretDir) {
		t.Errorf("a lock file naming the secret: want exit 2 naming it, got %s", r)
	}
	os.Remove(filepath.Join(flakeDir, "flake.lock"))

	// What the flake may read: its own directory (and the stand-in, on
	// the search path).
	os.WriteFile(filepath.Join(sub, secretName), []byte("mine\n"), 0o644)
	writeFlake(flakeDir, `{ url = "path:./sub"; flake = false; }`)
	h.must("create", "fleak", "--flake", flakeDir, "-n", nixArgs)
	h.must("start", "fleak")
	if got := strings.TrimSpace(h.must("run", "fleak", "--", "cat", "/etc/leak")); got != "mine" {
		t.Errorf("the flake's own file reads %q", got)
	}
}

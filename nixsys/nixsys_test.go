package nixsys

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/internal/testenv"
)

func TestSummary(t *testing.T) {
	cases := map[string]string{
		"error: undefined variable 'bar'\n\n       at /tmp/e1.nix:2:9:\n\n            1| { pkgs, ... }: {\n": "undefined variable 'bar' at /tmp/e1.nix:2:9",
		"this derivation will be built:\n  /nix/store/x.drv\nbuilding '/nix/store/x.drv'...\nerror: builder for '/nix/store/x.drv' failed with exit code 3;\n       last 2 log lines:\n       > hi\n       > oops\n       For full logs, run 'nix log /nix/store/x.drv'.\n": "builder for '/nix/store/x.drv' failed with exit code 3: oops",
		"error: getting status of '/tmp/nonexist.nix': No such file or directory\n": "getting status of '/tmp/nonexist.nix': No such file or directory",
		"warning: something\n": "",
	}
	for in, want := range cases {
		if got := Summary(in); got != want {
			t.Errorf("Summary(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	cases := map[string][]string{
		"-I nixpkgs=/path":                      {"-I", "nixpkgs=/path"},
		"  -I 'nixpkgs=/my path'  --show-trace": {"-I", "nixpkgs=/my path", "--show-trace"},
		`--arg x "a b"`:                         {"--arg", "x", "a b"},
		`--argstr e ''`:                         {"--argstr", "e", ""},
		"":                                      nil,
	}
	for in, want := range cases {
		got, err := SplitArgs(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := SplitArgs("-I 'x"); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The settings come from the real nix-instantiate, in both file forms.
func TestSettingsWithNix(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate")
	n := Nix{ExprDir: t.TempDir()}
	ctx := context.Background()

	e, err := n.Settings(ctx, writeFile(t, "m.nix", "{ pkgs, ip, name, ... }: { networking.hostName = ip; }"))
	if err != nil || e.Form != "module" {
		t.Fatalf("module form: %+v, %v", e, err)
	}
	e, err = n.Settings(ctx, writeFile(t, "s.nix", `{ autostart = true; network = { ip = "10.101.0.9"; enableNat = true; };
	  name = "foobar"; lxcExtraConfig = ""; typo = 1;
	  configuration = { pkgs, ... }: { environment.etc.x.text = builtins.readFile ./does-not-exist; }; }`))
	if err != nil {
		t.Fatal(err)
	}
	if e.Form != "attrset" || string(e.Autostart) != "true" || !strings.Contains(string(e.Network), `"enableNat":true`) || !reflect.DeepEqual(e.Unknown, []string{"typo"}) {
		t.Errorf("attrset form read as %+v", e)
	}

	_, err = n.Settings(ctx, writeFile(t, "bad.nix", "{ pkgs, ... }: {\n  foo = ;\n}\n"))
	var nerr *Error
	if !errors.As(err, &nerr) || !strings.Contains(err.Error(), "syntax error") || !strings.Contains(err.Error(), "bad.nix:2:") {
		t.Errorf("syntax error reported as %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	if !strings.Contains(nerr.Detail(), "foo = ;") {
		t.Errorf("Nix's own text is lost: %q", nerr.Detail())
	}
}

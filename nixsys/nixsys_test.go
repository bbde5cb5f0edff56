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

// Nix's two error layouts, with the message each must come down to.
// The Nix 2.8 samples are what Debian 12's Nix printed here for a module
// that throws (nixlxc's build of such a config) and for a thrown message
// that starts with a newline (NixOS's failed assertions). The 2.13+
// samples follow, line for line, the layout Nix 2.19 and 2.2x print
// (bare `error:`, the `… while` trace, the truncation note, the indented
// message last), with this project's paths and messages.
func TestSummaryLayouts(t *testing.T) {
	cases := []struct{ name, stderr, want string }{
		{"2.8 throw in a module",
			"error: nixlxc-test: the frobnicator needs a widget\n(use '--show-trace' to show detailed location information)\n",
			"nixlxc-test: the frobnicator needs a widget"},
		{"2.8 message starting with a newline",
			"error:\n       Failed assertions:\n       - a is bad\n       - b too\n",
			"Failed assertions: - a is bad - b too"},
		{"2.13+ throw in a module", `error:
       … while calling the 'derivationStrict' builtin

         at /builtin/derivation.nix:9:12: (source not available)

       … while evaluating derivation 'nixos-system-web-25.05'
         whose name attribute is located at /nix/store/aaaa-source/pkgs/stdenv/generic/make-derivation.nix:375:7

       … while evaluating attribute 'text' of derivation 'etc-x'

         at /nix/store/aaaa-source/nixos/modules/system/etc/etc.nix:79:13:

           78|         {
           79|           text = mkDefault null;
             |             ^

       (stack trace truncated; use '--show-trace' to show the full trace)

       error: nixlxc-test: the frobnicator needs a widget
`, "nixlxc-test: the frobnicator needs a widget"},
		{"2.2x throw, detailed-trace note", `error:
       … while evaluating the attribute 'config.system.build.toplevel'
         at /nix/store/bbbb-source/lib/modules.nix:336:9:
          335|         options = checked options;
          336|         config = checked (removeAttrs config [ "_module" ]);
             |         ^
          337|         _module = checked (config._module);

       … while evaluating definitions from ` + "`" + `/nix/store/bbbb-source/nixos/modules/system/activation/top-level.nix':

       (stack trace truncated; use '--show-trace' to show the full, detailed trace)


       error: The option ` + "`" + `services.web.port' was accessed but has no value defined. Try setting the option.
`, "The option `services.web.port' was accessed but has no value defined. Try setting the option."},
		{"2.13+ error with its location", `error:
       … while evaluating derivation 'nixos-system-web-25.05'
         whose name attribute is located at /nix/store/cccc-source/pkgs/stdenv/generic/make-derivation.nix:348:7
       … while evaluating attribute 'nativeBuildInputs' of derivation 'nixos-system-web-25.05'
         at /nix/store/cccc-source/pkgs/stdenv/generic/make-derivation.nix:392:7:
          391|       depsBuildBuild              = elemAt (elemAt dependencies 0) 0;
          392|       nativeBuildInputs           = elemAt (elemAt dependencies 0) 1;
             |       ^
       (stack trace truncated; use '--show-trace' to show the full trace)
       error: function 'anonymous lambda' called with unexpected argument 'widget'
       at /nix/store/cccc-source/pkgs/tools/frob/default.nix:1:1:
            1| { lib
             | ^
            2| , stdenv
`, "function 'anonymous lambda' called with unexpected argument 'widget' at /nix/store/cccc-source/pkgs/tools/frob/default.nix:1:1"},
		{"2.13+ failed assertions", `error:
       … while evaluating the attribute 'config.system.build.toplevel'
         at /nix/store/dddd-source/lib/modules.nix:336:9:
          336|         config = checked (removeAttrs config [ "_module" ]);
             |         ^

       (stack trace truncated; use '--show-trace' to show the full, detailed trace)

       error:
       Failed assertions:
       - services.nixlxc.ipv6.ipv6Prefix must be set when services.nixlxc.ipv6.enable is true
`, "Failed assertions: - services.nixlxc.ipv6.ipv6Prefix must be set when services.nixlxc.ipv6.enable is true"},
	}
	for _, c := range cases {
		if got := Summary(c.stderr); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

// The error a too old Nix gets names both versions and what to do.
func TestVersionsCheck(t *testing.T) {
	if err := (Versions{Nix: "2.8.0", Nixpkgs: "/np", Min: "", TooOld: false}).Check(); err != nil {
		t.Errorf("no minimum: %v", err)
	}
	err := Versions{Nix: "2.8.0", Nixpkgs: "/nix/var/nix/profiles/per-user/root/channels/nixos", Min: "2.18", TooOld: true}.Check()
	if !errors.Is(err, ErrTooOld) {
		t.Fatalf("too old: %v", err)
	}
	for _, want := range []string{"Nix 2.18 or newer", "Nix 2.8.0", "/nix/var/nix/profiles/per-user/root/channels/nixos", "install Nix 2.18"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}

// Versions asks the real Nix, with the search path a build would use.
func TestVersionsWithNix(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate")
	dir := t.TempDir()
	nixpkgs := func(minver string) string {
		d, err := os.MkdirTemp(dir, "nixpkgs-")
		if err != nil {
			t.Fatal(err)
		}
		if minver != "" {
			os.MkdirAll(filepath.Join(d, "lib"), 0o755)
			if err := os.WriteFile(filepath.Join(d, "lib/minver.nix"), []byte(minver+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		args   []string
		tooOld bool
		min    string
	}{
		{"newer minimum", []string{"-I", "nixpkgs=" + nixpkgs(`"99.0"`)}, true, "99.0"},
		{"older minimum", []string{"-I", "nixpkgs=" + nixpkgs(`"1.0"`)}, false, "1.0"},
		{"no minver.nix", []string{"-I", "nixpkgs=" + nixpkgs("")}, false, ""},
		{"not a string", []string{"-I", "nixpkgs=" + nixpkgs("{ }")}, false, ""},
		{"no nixpkgs", nil, false, ""},
	} {
		n := Nix{Args: c.args, Env: []string{"NIX_PATH=", "PATH=" + os.Getenv("PATH")}}
		v, err := n.Versions(ctx)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if v.TooOld != c.tooOld || v.Min != c.min || v.Nix == "" {
			t.Errorf("%s: %+v", c.name, v)
		}
		if err := n.CheckVersion(ctx); (err != nil) != c.tooOld {
			t.Errorf("%s: CheckVersion = %v", c.name, err)
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

// Whatever Nix prints (a configuration shapes its messages), the summary is
// one clean line.
func FuzzSummary(f *testing.F) {
	f.Add("error: undefined variable 'bar'\n\n       at /tmp/e1.nix:2:9:\n")
	f.Add("error:\n       … while evaluating\n\n       error: boom\n       at /x.nix:1:1:\n")
	f.Add("error:\n       Failed assertions:\n       - a\n")
	f.Add("error: builder for '/nix/store/x.drv' failed;\n       > \x1b[31mred\n")
	f.Fuzz(func(t *testing.T, stderr string) {
		s := Summary(stderr)
		if strings.ContainsAny(s, "\n\r\x00\x1b") {
			t.Errorf("Summary(%q) = %q is not one clean line", stderr, s)
		}
	})
}

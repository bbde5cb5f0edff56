package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// sampleArgs fills a command's required arguments.
func sampleArgs(usage string) []string {
	samples := map[string]string{"NAME": "web", "CONFIG.nix": "web.nix", "N": "2", "SPEC": "old", "CMD": "true", "SHELL": "bash"}
	var out []string
	for _, n := range argNames(usage) {
		s, ok := samples[n]
		if !ok {
			s = "x"
		}
		out = append(out, s)
	}
	if strings.Contains(usage, " -- ") && len(out) > 0 {
		out = append(out[:1], append([]string{"--"}, out[1:]...)...)
	}
	return out
}

// Every option of every command that takes a value, given none: the
// error names the option and says it needs a value, whether the option is
// last, is followed by another option, or took the command's argument.
func TestEveryFlagMissingValue(t *testing.T) {
	dir := t.TempDir()
	app := newApp(nil, nil)
	var paths [][]*cli.Command
	for _, c := range app.Commands {
		paths = append(paths, []*cli.Command{c})
		for _, s := range c.Subcommands {
			paths = append(paths, []*cli.Command{c, s})
		}
	}
	checked := 0
	for _, path := range paths {
		leaf := path[len(path)-1]
		if len(leaf.Subcommands) > 0 {
			continue // its subcommands are checked
		}
		var words []string
		for _, c := range path {
			words = append(words, c.Name)
		}
		positional := sampleArgs(leaf.ArgsUsage)
		flags := append(visibleFlags(leaf.Flags), globalFlags()...)
		for _, f := range flags {
			if !takesValue(f) {
				continue
			}
			for _, name := range f.Names() {
				opt := "--" + name
				if len(name) == 1 {
					opt = "-" + name
				}
				cases := [][]string{
					append(append(append([]string{}, words...), opt, "--verbose"), positional...),
				}
				if !strings.Contains(leaf.ArgsUsage, "--") { // after "--", words are the command's
					cases = append(cases, append(append(append([]string{}, words...), positional...), opt))
				}
				if len(positional) > 0 && positional[0] != "--" {
					cases = append(cases, append(append(append([]string{}, words...), opt), positional...))
				}
				for _, args := range cases {
					checked++
					var stdout, stderr bytes.Buffer
					argv := append([]string{"nixlxc", "--state-dir=" + dir + "/s", "--profile-dir=" + dir + "/p"}, args...)
					code := run(argv, &stdout, &stderr)
					msg := stderr.String()
					if code != exitUsage || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, opt) {
						t.Errorf("%q: exit %d, %q; want exit %d naming %s", args, code, msg, exitUsage, opt)
						continue
					}
					if !strings.Contains(msg, opt+" needs a value") && !strings.Contains(msg, opt+" took") {
						t.Errorf("%q: %q does not say %s lacks its value", args, msg, opt)
					}
					for _, p := range positional {
						if strings.Contains(msg, `"`+p+`" is`) {
							t.Errorf("%q: %q blames the argument %q", args, msg, p)
						}
					}
				}
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d cases: are the commands' options found?", checked)
	}
}

func TestArgNames(t *testing.T) {
	for _, c := range []struct {
		usage string
		want  string
	}{
		{"NAME", "NAME"},
		{"NAME CONFIG.nix", "NAME CONFIG.nix"},
		{"NAME -- CMD [ARGS...]", "NAME CMD"},
		{"NAME SPEC...", "NAME SPEC"},
		{"[COMMAND [SUBCOMMAND]]", ""},
		{"", ""},
	} {
		if got := strings.Join(argNames(c.usage), " "); got != c.want {
			t.Errorf("argNames(%q) = %q, want %q", c.usage, got, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"start", "strat", 2}, {"list", "lsit", 2}, {"stop", "stop", 0}, {"", "abc", 3}, {"destroy", "destory", 2}} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Any command line: no panic, and one nixlxc accepts it hands urfave/cli a
// command line nixlxc reads back the same (a fixed point).
func FuzzParseCommandLine(f *testing.F) {
	for _, s := range []string{
		"create web web.nix -n -I nixpkgs=/x",
		"--state-dir /s start web --timeout 2m --no-wait",
		"run web -- ls -l --help",
		"host --profile-dir /p setup --help",
		"list -c name,nat --format=csv --no-header",
		"start --timeout web",
		"--state-dir list",
		"help host teardown",
		"delete-generations web +2 -- 3",
		"-v --version",
	} {
		f.Add(s)
	}
	app := newApp(nil, nil)
	f.Fuzz(func(t *testing.T, line string) {
		argv := append([]string{"nixlxc"}, strings.Fields(line)...)
		l, err := parseCommandLine(app, argv)
		if err != nil {
			return
		}
		l.checkValues()
		once := l.argv("nixlxc")
		again, err := parseCommandLine(app, once)
		if err != nil {
			t.Fatalf("%q gave %q, which does not parse: %v", argv, once, err)
		}
		if twice := again.argv("nixlxc"); strings.Join(twice, "\x00") != strings.Join(once, "\x00") {
			t.Fatalf("%q gave %q, then %q", argv, once, twice)
		}
	})
}

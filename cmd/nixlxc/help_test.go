package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"nixlxc"}, args...), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// words makes text comparable across wrapping and roff: one space between
// words, roff's escapes undone.
func words(s string) string {
	s = strings.NewReplacer(`\-`, "-", `\e`, `\`, `\&`, "", `\fB`, "", `\fI`, "", `\fR`, "").Replace(s)
	var kept []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, ".") {
			// A request's arguments are text (.B, .SS); the request is not.
			if _, rest, ok := strings.Cut(l, " "); ok && (strings.HasPrefix(l, ".B ") || strings.HasPrefix(l, ".I ") || strings.HasPrefix(l, ".SS ")) {
				kept = append(kept, rest)
			}
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(strings.Fields(strings.Join(kept, "\n")), " ")
}

func commandPaths(app *cli.App) [][]*cli.Command {
	var paths [][]*cli.Command
	for _, c := range app.Commands {
		if c.Hidden {
			continue
		}
		paths = append(paths, []*cli.Command{c})
		for _, s := range c.Subcommands {
			paths = append(paths, []*cli.Command{c, s})
		}
	}
	return paths
}

// help and the man page are rendered from the same definitions: every
// command's usage line, summary, options (with defaults and variables) and
// example are in both, word for word.
func TestManPageMatchesHelp(t *testing.T) {
	app := newApp(nil, nil)
	man, _, code := runCLI(t, "help", "--man")
	if code != 0 || !strings.HasPrefix(man, ".TH NIXLXC 1") {
		t.Fatalf("help --man: exit %d, %.80q", code, man)
	}
	manWords := words(man)
	for _, path := range commandPaths(app) {
		var names []string
		for _, c := range path {
			names = append(names, c.Name)
		}
		help, stderr, code := runCLI(t, append([]string{"help"}, names...)...)
		if code != 0 {
			t.Fatalf("help %v: exit %d: %s", names, code, stderr)
		}
		helpWords := words(help)
		c := path[len(path)-1]
		items := []string{usageLine(path), c.Usage, c.Description}
		for _, f := range visibleFlags(c.Flags) {
			items = append(items, flagSynopsis(f), flagDescription(f))
		}
		for _, item := range items {
			w := words(item)
			if !strings.Contains(helpWords, w) {
				t.Errorf("help %v lacks %q", names, w)
			}
			if !strings.Contains(manWords, w) {
				t.Errorf("the man page lacks %q (%v)", w, names)
			}
		}
	}
	for _, f := range app.Flags {
		if !strings.Contains(manWords, words(flagDescription(f))) {
			t.Errorf("the man page lacks the global option %s", f.Names()[0])
		}
	}
}

// Every command says what it does and shows how, in one line each.
func TestEveryCommandHasAnExample(t *testing.T) {
	for _, path := range commandPaths(newApp(nil, nil)) {
		c := path[len(path)-1]
		name := commandPathName(path)
		if c.Usage == "" || strings.Contains(c.Usage, "\n") {
			t.Errorf("%s: usage %q is not one line", name, c.Usage)
		}
		example, _, _ := strings.Cut(c.Description, "\n")
		if !strings.HasPrefix(example, "Example: ") || !strings.Contains(example, "nixlxc "+path[0].Name) {
			t.Errorf("%s: no one-line example (Description %q)", name, c.Description)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{}, {"help"}, {"--help"}, {"-h"}} {
		out, stderr, code := runCLI(t, args...)
		if code != 0 || stderr != "" || !strings.Contains(out, "Usage: nixlxc [global options] COMMAND") {
			t.Errorf("%q: exit %d, stderr %q, stdout %.200q", args, code, stderr, out)
		}
		for _, c := range []string{"create NAME [CONFIG.nix]", "info, status NAME", "restart NAME", "login, root-login NAME", "completion SHELL", "--state-dir DIR"} {
			if !strings.Contains(out, c) {
				t.Errorf("%q: help lacks %q", args, c)
			}
		}
	}
	for _, args := range [][]string{{"help", "start"}, {"start", "--help"}, {"start", "web", "-h"}, {"--state-dir", "/x", "start", "--help"}} {
		out, _, code := runCLI(t, args...)
		out = words(out)
		if code != 0 || !strings.Contains(out, "Usage: nixlxc start [options] NAME") || !strings.Contains(out, "--timeout DURATION") ||
			!strings.Contains(out, "(default 60s)") || !strings.Contains(out, "Example: nixlxc start web") {
			t.Errorf("%q: exit %d:\n%s", args, code, out)
		}
	}
	out, _, _ := runCLI(t, "help", "host", "teardown")
	if !strings.Contains(out, "Usage: nixlxc host teardown [options]") {
		t.Errorf("help host teardown:\n%s", out)
	}
	out, _, _ = runCLI(t, "help", "root-login")
	if !strings.Contains(out, "nixlxc login - ") || !strings.Contains(out, "Alias: root-login") {
		t.Errorf("help root-login:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if len(line) > helpWidth {
			t.Errorf("help line longer than %d: %q", helpWidth, line)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, stderr, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if lines[0] != "nixlxc version "+version {
			t.Errorf("%q: first line %q, want nixlxc version %s", args, lines[0], version)
		}
		var keys []string
		for _, l := range lines {
			k, v, _ := strings.Cut(l, " ")
			if v == "" {
				t.Errorf("%q: line %q has no value", args, l)
			}
			keys = append(keys, k)
		}
		if got := strings.Join(keys, " "); got != "nixlxc commit liblxc nix go" {
			t.Errorf("%q: lines %q", args, got)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[string]string{"60s": "60s", "30s": "30s", "15m": "15m", "1h30m": "1h30m", "2h": "2h", "1500ms": "1.5s"} {
		if got := formatDuration(mustDuration(t, d)); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

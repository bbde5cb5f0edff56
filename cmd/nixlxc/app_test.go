package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestParseCommandLine(t *testing.T) {
	app := newApp(nil, nil)
	cases := []struct{ in, want []string }{
		{[]string{"nixlxc", "create", "web", "web.nix", "-n", "-I nixpkgs=/x"},
			[]string{"nixlxc", "create", "-n", "-I nixpkgs=/x", "web", "web.nix"}},
		{[]string{"nixlxc", "--state-dir", "/s", "update", "web", "f.nix", "--auto-rollback"},
			[]string{"nixlxc", "--state-dir", "/s", "update", "--auto-rollback", "web", "f.nix"}},
		{[]string{"nixlxc", "run", "web", "--", "ls", "-n"},
			[]string{"nixlxc", "run", "web", "--", "ls", "-n"}},
		// What follows run's NAME is the command's, options included.
		{[]string{"nixlxc", "run", "web", "ls", "--help"},
			[]string{"nixlxc", "run", "web", "ls", "--help"}},
		{[]string{"nixlxc", "destroy", "web", "--force"},
			[]string{"nixlxc", "destroy", "--force", "web"}},
		{[]string{"nixlxc", "delete-generations", "web", "+2"},
			[]string{"nixlxc", "delete-generations", "web", "+2"}},
		{[]string{"nixlxc", "show-ip", "web", "-6"},
			[]string{"nixlxc", "show-ip", "-6", "web"}},
		{[]string{"nixlxc"}, []string{"nixlxc", "help"}},
		{[]string{"nixlxc", "create", "web", "f.nix", "-v", "--state-dir", "/s"},
			[]string{"nixlxc", "-v", "--state-dir", "/s", "create", "web", "f.nix"}},
		{[]string{"nixlxc", "list", "--format=json"}, []string{"nixlxc", "list", "--format=json"}},
		// Help and version, however asked.
		{[]string{"nixlxc", "--help"}, []string{"nixlxc", "help"}},
		{[]string{"nixlxc", "start", "-h"}, []string{"nixlxc", "help", "start"}},
		{[]string{"nixlxc", "host", "setup", "--help"}, []string{"nixlxc", "help", "host", "setup"}},
		{[]string{"nixlxc", "host", "help"}, []string{"nixlxc", "help", "host"}},
		{[]string{"nixlxc", "--version"}, []string{"nixlxc", "version"}},
		{[]string{"nixlxc", "root-login", "web"}, []string{"nixlxc", "login", "web"}},
		{[]string{"nixlxc", "create", "web", "f.nix", "-n=-v"}, []string{"nixlxc", "create", "-n=-v", "web", "f.nix"}},
		{[]string{"nixlxc", "host", "--state-dir", "/s", "setup"}, []string{"nixlxc", "--state-dir", "/s", "host", "setup"}},
		{[]string{"nixlxc", "start", "--no-wait", "web", "--timeout", "2m"}, []string{"nixlxc", "start", "--no-wait", "--timeout", "2m", "web"}},
	}
	for _, c := range cases {
		l, err := parseCommandLine(app, c.in)
		if err != nil {
			t.Errorf("parseCommandLine(%q): %v", c.in, err)
			continue
		}
		if got := l.argv("nixlxc"); !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseCommandLine(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// The whole CLI in-process: mistakes give one line and their exit code.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"create", "web"}, exitUsage, "NAME and CONFIG.nix"},
		{[]string{"create", "Web", "x.nix"}, exitUsage, "lower-case"},
		{[]string{"switch-generation", "web", "two"}, exitUsage, "not a generation number"},
		{[]string{"start", "--timeout", "soon", "web"}, exitUsage, "soon"},
		{[]string{"state", "nope"}, exitNotFound, "no such container: nope"},
		{[]string{"exists", "nope"}, 1, ""},
		{[]string{"list", "foo"}, exitUsage, "list takes no arguments"},
		{[]string{"host", "foo"}, exitUsage, `unknown command "host" "foo"`},
		{[]string{"delete-generations", "web", "old", "--bogus"}, exitUsage, "--bogus"},
		{[]string{"delete-generations", "web", "0d"}, exitUsage, "0d"},
		{[]string{"state", "web", "--bogus"}, exitUsage, "--bogus"},
		{[]string{"create", "web", "f.nix", "-n"}, exitUsage, "-n needs a value"},
		{[]string{"help", "nope"}, exitUsage, `unknown command "nope"`},
		{[]string{"help", "host", "nope"}, exitUsage, `host has no command "nope"`},
		{[]string{"strat", "web"}, exitUsage, "did you mean start?"},
		{[]string{"status", "nope"}, exitNotFound, "no such container: nope"},
		{[]string{"console", "--escape", "7", "web"}, exitUsage, "--escape must be one letter"},
		{[]string{"logs", "-n", "-3", "web"}, exitUsage, "like 50, or all"},
		{[]string{"create", "web", "--flake"}, exitUsage, "--flake needs a value"},
		{[]string{"create", "web", "f.nix", "--flake", "/x"}, exitUsage, "not both"},
		{[]string{"host"}, exitUsage, "host needs a command: setup or teardown"},
		{[]string{"--bogus", "list"}, exitUsage, "unknown option --bogus"},
		{[]string{"--state-dir"}, exitUsage, "--state-dir needs a value"},
		{[]string{"create", "web", "f.nix", "-n", "-v"}, exitUsage, "-n needs a value: ARGS; to give it -v, write -n=-v"},
		{[]string{"--profile-dir", "list"}, exitUsage, `--profile-dir needs a value before the command (it took "list")`},
		{[]string{"start", "web", "--timeout", "60"}, exitUsage, `"60" is not a duration; write a number and a unit, like 60s, 2m`},
		{[]string{"start", "web", "--timeout", "-5s"}, exitUsage, `"-5s" is negative`},
		{[]string{"start", "web", "--timeout=soon"}, exitUsage, `--timeout: "soon" is not a duration`},
		{[]string{"autostart", "--parallel", "0"}, exitUsage, `"0" is not a positive whole number`},
		{[]string{"autostart", "--attempts", "x"}, exitUsage, `"x" is not a positive whole number`},
		{[]string{"list", "--format", "xml"}, exitUsage, `unknown format "xml"`},
		{[]string{"list", "-c", "name,colour"}, exitUsage, `unknown column "colour"`},
		{[]string{"list", "--format", "json", "-c", "name"}, exitUsage, "--columns selects table and csv columns"},
		{[]string{"list", "--json", "--format", "csv"}, exitUsage, "disagree"},
		{[]string{"completion", "tcsh"}, exitUsage, `unknown shell "tcsh"`},
		{[]string{"completion"}, exitUsage, "completion needs SHELL"},
		{[]string{"version", "x"}, exitUsage, "version takes no arguments"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"nixlxc", "--state-dir", dir + "/state", "--profile-dir", dir + "/profiles"}, c.args...)
		code := run(args, &stdout, &stderr)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", c.args, code, c.code, stderr.String())
		}
		if c.msg == "" {
			if stderr.Len() != 0 {
				t.Errorf("%v: printed %q, want nothing", c.args, stderr.String())
			}
			continue
		}
		if lines := strings.Count(stderr.String(), "\n"); lines != 1 || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("%v: stderr %q, want one line mentioning %q", c.args, stderr.String(), c.msg)
		}
	}
}

package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestReorderArgs(t *testing.T) {
	app := newApp(nil, nil)
	cases := []struct{ in, want []string }{
		{[]string{"nixlxc", "create", "web", "web.nix", "-n", "-I nixpkgs=/x"},
			[]string{"nixlxc", "create", "-n", "-I nixpkgs=/x", "web", "web.nix"}},
		{[]string{"nixlxc", "--state-dir", "/s", "update", "web", "f.nix", "--auto-rollback"},
			[]string{"nixlxc", "--state-dir", "/s", "update", "--auto-rollback", "web", "f.nix"}},
		{[]string{"nixlxc", "run", "web", "--", "ls", "-n"},
			[]string{"nixlxc", "run", "web", "--", "ls", "-n"}},
		{[]string{"nixlxc", "destroy", "web", "--force"},
			[]string{"nixlxc", "destroy", "--force", "web"}},
		{[]string{"nixlxc", "delete-generations", "web", "+2"},
			[]string{"nixlxc", "delete-generations", "web", "+2"}},
		{[]string{"nixlxc", "show-ip", "web", "-6"},
			[]string{"nixlxc", "show-ip", "-6", "web"}},
		{[]string{"nixlxc"}, []string{"nixlxc"}},
		{[]string{"nixlxc", "create", "web", "f.nix", "-v", "--state-dir", "/s"},
			[]string{"nixlxc", "-v", "--state-dir", "/s", "create", "web", "f.nix"}},
	}
	for _, c := range cases {
		if got := reorderArgs(app, c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("reorderArgs(%q)\n got %q\nwant %q", c.in, got, c.want)
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
		{[]string{"create", "web", "f.nix", "-n"}, exitUsage, "-n"},
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

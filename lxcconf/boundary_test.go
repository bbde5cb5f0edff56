package lxcconf

import (
	"strings"
	"testing"
)

func testBoundary() Boundary {
	return Boundary{
		Protected: []ProtectedDir{
			{"/var/lib/nixlxc", "nixlxc's state directory"},
			{"/nix/var/nix/profiles/per-container", "the containers' profiles"},
			{"/nix/var/nix", "Nix's own state"},
		},
		Own: []string{"nix/store", "nix/var/nix/profiles", "run/nixlxc"},
	}
}

func TestBoundarySource(t *testing.T) {
	b := testBoundary()
	for _, ok := range []struct {
		src string
		ro  bool
	}{
		{"/srv/web", false}, {"/srv/web", true}, {"/var/lib/nixlxcx", false},
		{"/nix/store/abc-data", true}, {"/nix/store", true}, {"/home/u/f.txt", false},
	} {
		if err := b.CheckSource(ok.src, ok.ro); err != nil {
			t.Errorf("CheckSource(%q, %v): %v", ok.src, ok.ro, err)
		}
	}
	for src, mention := range map[string]string{
		"/":                         "whole host",
		"/var":                      "contains /var/lib/nixlxc",
		"/var/lib":                  "contains /var/lib/nixlxc",
		"/var/lib/nixlxc":           "inside /var/lib/nixlxc",
		"/var/lib/nixlxc/lxc/other": "inside /var/lib/nixlxc",
		"/nix":                      "contains",
		"/nix/var/nix/db":           "Nix's own state",
		"/nix/var/nix/profiles/per-container/other": "profiles",
		"/nix/store/abc-data":                       "only read-only",
		"/proc":                                     "kernel",
		"/proc/1/root":                              "kernel",
		"/sys/kernel":                               "kernel",
		"/dev/sda":                                  "kernel",
		"relative":                                  "absolute",
		"/srv/../etc":                               "clean",
	} {
		err := b.CheckSource(src, false)
		if err == nil || !strings.Contains(err.Error(), mention) {
			t.Errorf("CheckSource(%q) = %v, want an error mentioning %q", src, err, mention)
		}
	}
}

func TestBoundaryTarget(t *testing.T) {
	b := testBoundary()
	for _, ok := range []string{"data", "srv/web", "run/foo", "nix/other", "var/lib/nixlxc"} {
		if err := b.CheckTarget(ok); err != nil {
			t.Errorf("CheckTarget(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "/data", "../x", "nix", "nix/store", "nix/store/x", "run", "run/nixlxc/x", "nix/var"} {
		if err := b.CheckTarget(bad); err == nil {
			t.Errorf("CheckTarget(%q) accepted it", bad)
		}
	}
}

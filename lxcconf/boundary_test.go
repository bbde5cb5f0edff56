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

// TestBoundarySystemTrees: a read-write source never reaches what the
// host runs or trusts as root, whatever the admin allows; read-only ones
// are the allowlist's business.
func TestBoundarySystemTrees(t *testing.T) {
	b := Boundary{}
	for _, c := range []struct {
		src     string
		ro      bool
		mention string // "": accepted
	}{
		{"/etc", false, "is /etc, one of the host's system trees"},
		{"/etc/nixos", false, "inside /etc"},
		{"/etc", true, ""},
		{"/root", false, "/root, one of"},
		{"/root/.bashrc", false, "inside /root"},
		{"/boot", false, "/boot"},
		{"/usr/local", false, "/usr"},
		{"/nix", false, "/nix"},
		{"/nix/var/log", false, "/nix"},
		{"/run/wrappers/bin", false, "/run/wrappers"},
		{"/run/current-system", false, "/run/current-system"},
		{"/run", false, "contains /run/wrappers"},
		{"/run/postgresql", false, ""},
		{"/var", false, "contains /var/lib/nixos"},
		{"/var/lib", false, "contains /var/lib/nixos"},
		{"/var/lib/nixos", false, "is /var/lib/nixos"},
		{"/var/lib/systemd/timers", false, "/var/lib/systemd"},
		{"/var/lib/pgdata", false, ""},
		{"/var/spool/cron", false, "/var/spool"},
		{"/var/lib/dpkg/info", false, "/var/lib/dpkg"},
		{"/opt", false, "/opt"},
		{"/var/spool/cron", true, ""},
		{"/home", false, "dotfiles"},
		{"/home/alice", false, "dotfiles"},
		{"/home/alice/.ssh", false, "dotfile (.ssh)"},
		{"/home/alice/.bashrc", false, "dotfile (.bashrc)"},
		{"/home/alice/.ssh", true, ""},
		{"/home/alice/project", false, ""},
		{"/home/alice/project/.git", false, ""},
		{"/srv/web", false, ""},
		{"/etcetera", false, ""},
	} {
		err := b.CheckSource(c.src, c.ro)
		switch {
		case c.mention == "" && err != nil:
			t.Errorf("CheckSource(%q, ro=%v): %v", c.src, c.ro, err)
		case c.mention != "" && (err == nil || !strings.Contains(err.Error(), c.mention)):
			t.Errorf("CheckSource(%q, ro=%v) = %v, want an error mentioning %q", c.src, c.ro, err, c.mention)
		}
	}
}

// TestBoundaryAllows: a resolved source must lie in one of the admin's
// directories; read-only store paths need none.
func TestBoundaryAllows(t *testing.T) {
	b := Boundary{Allowed: []string{"/srv", "/mnt/data", "/var/lib/pgdata"}}
	for _, c := range []struct {
		src  string
		ro   bool
		want bool
	}{
		{"/srv", false, true},
		{"/srv/web", true, true},
		{"/srv/web/index.html", false, true},
		{"/srvx", true, false},
		{"/mnt", true, false},
		{"/mnt/data/a", false, true},
		{"/mnt/other", true, false},
		{"/var/lib/pgdata", false, true},
		{"/var/lib", true, false},
		{"/etc", true, false},
		{"/root", true, false},
		{"/nix/store/abc-data", true, true},
		{"/nix/store/abc-data", false, false},
		{"/nix/var/nix", true, false},
	} {
		if got := b.Allows(c.src, c.ro); got != c.want {
			t.Errorf("Allows(%q, ro=%v) = %v, want %v", c.src, c.ro, got, c.want)
		}
	}
	if (Boundary{}).Allows("/srv/web", true) {
		t.Errorf("an empty allowlist allowed /srv/web")
	}
}

package container

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/internal/hostpath"
	"github.com/nixlxc/nixlxc/ipam"
)

// fakeHostFS is the host's file system from a table of what lstat says.
type fakeHostFS map[string]hostpath.Node

func (f fakeHostFS) Lstat(p string) (hostpath.Node, error) {
	if n, ok := f[p]; ok {
		return n, nil
	}
	return hostpath.Node{}, &fs.PathError{Op: "lstat", Path: p, Err: fs.ErrNotExist}
}

func fakeDir(uid uint32, perm fs.FileMode) hostpath.Node {
	return hostpath.Node{Mode: fs.ModeDir | perm, UID: uid, GID: uid, FUSEMounter: -1}
}

// testTrust trusts root, the test's own user and owners (alice is 1000),
// with the containers' ids at 100000.
func testTrust(fsys hostpath.FS, owners ...string) *hostTrust {
	return &hostTrust{
		self:   uint32(os.Geteuid()),
		subIDs: func() ([]ipam.SubIDRange, error) { return []ipam.SubIDRange{{Start: 100000, Count: 65536 * 10}}, nil },
		owners: func() ([]string, error) { return owners, nil },
		lookup: func(name string) (uint32, error) {
			if name == "alice" {
				return 1000, nil
			}
			return 0, errors.New("unknown user")
		},
		fs:     fsys,
		config: "/etc/nixlxc/host.json",
	}
}

// fakeTrust is testTrust on a table, run as a user who owns nothing there
// (the tests run as root or not).
func fakeTrust(host fakeHostFS, owners ...string) *hostTrust {
	ht := testTrust(host, owners...)
	ht.self = 4242
	return ht
}

func TestHostTrust(t *testing.T) {
	host := fakeHostFS{
		"/":                     fakeDir(0, 0o755),
		"/home":                 fakeDir(0, 0o755),
		"/home/alice":           fakeDir(1000, 0o700),
		"/home/alice/share":     fakeDir(1000, 0o755),
		"/home/bob":             fakeDir(1001, 0o755),
		"/home/bob/share":       fakeDir(1001, 0o755),
		"/srv":                  fakeDir(0, 0o755),
		"/srv/data":             fakeDir(0, 0o755),
		"/srv/world":            fakeDir(0, 0o777),
		"/srv/world/x":          fakeDir(0, 0o755),
		"/srv/ct":               fakeDir(100000, 0o755),
		"/srv/ct/x":             fakeDir(0, 0o755),
		"/var/lib/nixlxc":       fakeDir(0, 0o711),
		"/var":                  fakeDir(0, 0o755),
		"/var/lib":              fakeDir(0, 0o755),
		"/srv/ct-owned-self":    fakeDir(100000, 0o755),
		"/etc":                  fakeDir(0, 0o755),
		"/etc/nixlxc":           fakeDir(0, 0o755),
		"/etc/nixlxc/host.json": {Mode: 0o644, FUSEMounter: -1},
	}
	cases := []struct {
		path   string
		check  hostpath.Check
		owners []string
		want   string // the resolved path, or words of the error
	}{
		{"/srv/data", hostpath.Target, nil, "/srv/data"},
		{"/var/lib/nixlxc", hostpath.Owned, nil, "/var/lib/nixlxc"},
		{"/srv/ct-owned-self", hostpath.Target, nil, "/srv/ct-owned-self"},
		{"/home/alice/share", hostpath.Target, nil, "/home/alice is owned by uid 1000, who could redirect /home/alice/share: host paths must be root's all the way, unless host.json's trustedOwners lists"},
		{"/home/alice/share", hostpath.Target, []string{"alice"}, "/home/alice/share"},
		{"/home/bob/share", hostpath.Target, []string{"alice", "1001"}, "/home/bob/share"},
		{"/home/bob/share", hostpath.Target, []string{"alice"}, "/home/bob is owned by uid 1001"},
		{"/home/bob/share", hostpath.Target, []string{"nosuchuser"}, `invalid host config: /etc/nixlxc/host.json: trustedOwners: no user "nosuchuser"`},
		{"/srv/world/x", hostpath.Target, []string{"alice"}, "/srv/world is writable by every user, who could redirect /srv/world/x: host paths must be root's all the way, and writable by no one else"},
		// A container's ids are never trusted, whatever host.json says.
		{"/srv/ct/x", hostpath.Target, []string{"100000"}, "/srv/ct is owned by uid 100000, who could redirect /srv/ct/x (uid 100000 is a container's): host paths must be root's all the way"},
		{"/srv/missing", hostpath.Target, nil, "file does not exist"},
	}
	for _, c := range cases {
		got, err := fakeTrust(host, c.owners...).resolve(c.path, c.check)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("resolve(%s) trusting %v = %q, want %q", c.path, c.owners, got, c.want)
		}
	}
	// An unknown trusted owner is a host config error (exit 2), and
	// host.json is read only when a user other than root owns a step.
	_, err := fakeTrust(host, "nosuchuser").resolve("/home/bob/share", hostpath.Target)
	if !errors.Is(err, bridges.ErrInvalid) {
		t.Errorf("an unknown user in trustedOwners: %v", err)
	}
	// host.json, which says whom to trust, must be root's.
	host["/etc/nixlxc"] = fakeDir(1000, 0o755)
	_, err = fakeTrust(host, "alice").resolve("/home/alice/share", hostpath.Target)
	if err == nil || !strings.Contains(err.Error(), "/etc/nixlxc/host.json names trustedOwners, but /etc/nixlxc is owned by uid 1000") {
		t.Errorf("trustedOwners in a host.json alice could change: %v", err)
	}
	ht := fakeTrust(host)
	ht.owners = func() ([]string, error) { t.Error("host.json read for a path of root's"); return nil, nil }
	if _, err := ht.resolve("/srv/data", hostpath.Target); err != nil {
		t.Error(err)
	}
}

func TestCheckInstallation(t *testing.T) {
	host := fakeHostFS{
		"/":           fakeDir(0, 0o755),
		"/var":        fakeDir(0, 0o755),
		"/home":       fakeDir(0, 0o755),
		"/home/admin": fakeDir(1000, 0o755),
		"/tmp":        {Mode: fs.ModeDir | fs.ModeSticky | 0o777, FUSEMounter: -1},
		"/tmp/mine":   fakeDir(0, 0o711),
		"/tmp/hers":   fakeDir(1000, 0o711),
	}
	for _, c := range []struct {
		state, profiles string
		want            string
	}{
		{"/var/lib/nixlxc", "/var/profiles", ""}, // missing: New makes them, as root
		{"/tmp/mine", "/tmp/mine/profiles", ""},
		{"/home/admin/nixlxc", "/var/profiles", "invalid state directory /home/admin/nixlxc: /home/admin is owned by uid 1000"},
		{"/tmp/hers", "/var/profiles", "/tmp/hers is owned by uid 1000 in the sticky directory /tmp"},
		{"/var/lib/nixlxc", "/home/admin/profiles", "invalid profile directory /home/admin/profiles"},
	} {
		err := fakeTrust(host).checkInstallation(layout{stateDir: c.state, profileDir: c.profiles})
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("checkInstallation(%s, %s) = %v, want %q", c.state, c.profiles, err, c.want)
		}
	}
	// A single-user Nix a user installed: the store is hers.
	host["/nix"] = fakeDir(1000, 0o755)
	host["/nix/store"] = fakeDir(1000, 0o755)
	err := fakeTrust(host).checkInstallation(layout{stateDir: "/var/lib/nixlxc", profileDir: "/var/profiles"})
	if err == nil || !strings.Contains(err.Error(), "invalid Nix store /nix/store: /nix is owned by uid 1000") {
		t.Errorf("a Nix store below a user's directory: %v", err)
	}
}

package hostpath

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nixlxc/nixlxc/internal/mountinfo"
)

// fakeFS is a host file system from a table: what lstat says of each path.
type fakeFS map[string]Node

func (f fakeFS) Lstat(p string) (Node, error) {
	n, ok := f[p]
	if !ok {
		return Node{}, &fs.PathError{Op: "lstat", Path: p, Err: fs.ErrNotExist}
	}
	return n, nil
}

func dir(uid, gid uint32, perm fs.FileMode) Node {
	return Node{Mode: fs.ModeDir | perm, UID: uid, GID: gid, FUSEMounter: -1}
}

func link(uid uint32, target string) Node {
	return Node{Mode: fs.ModeSymlink | 0o777, UID: uid, Target: target, FUSEMounter: -1}
}

func file(uid uint32) Node { return Node{Mode: 0o644, UID: uid, FUSEMounter: -1} }

// host is a small Debian: root's tree, a home, /tmp, a Nix store.
func host() fakeFS {
	sticky := fs.ModeSticky
	return fakeFS{
		"/":                      dir(0, 0, 0o755),
		"/srv":                   dir(0, 0, 0o755),
		"/srv/data":              dir(0, 0, 0o755),
		"/srv/alices":            dir(1000, 1000, 0o755), // the source itself may be hers
		"/srv/web":               link(0, "data"),
		"/srv/up":                link(0, "../etc/../srv/data"),
		"/srv/abs":               link(0, "/srv/data"),
		"/srv/loop":              link(0, "loop"),
		"/srv/planted":           link(1000, "/etc"),
		"/srv/file":              file(0),
		"/srv/group":             dir(0, 100, 0o775),
		"/srv/group/x":           dir(0, 0, 0o755),
		"/srv/world":             dir(0, 0, 0o777),
		"/srv/world/x":           dir(0, 0, 0o755),
		"/srv/fuse":              {Mode: fs.ModeDir | 0o755, FUSEMounter: 1000},
		"/srv/fuse/x":            dir(0, 0, 0o755),
		"/srv/rootfuse":          {Mode: fs.ModeDir | 0o755, FUSEMounter: 0},
		"/srv/rootfuse/x":        dir(0, 0, 0o755),
		"/etc":                   dir(0, 0, 0o755),
		"/etc/host.json":         file(1000),
		"/etc/group.json":        {Mode: 0o664, GID: 100, FUSEMounter: -1},
		"/home/alice/notes":      file(1000),
		"/home":                  dir(0, 0, 0o755),
		"/home/alice":            dir(1000, 1000, 0o700),
		"/home/alice/share":      dir(1000, 1000, 0o755),
		"/home/bob":              dir(1001, 1001, 0o755),
		"/home/bob/share":        dir(1001, 1001, 0o755),
		"/tmp":                   dir(0, 0, 0o777|sticky),
		"/tmp/roots":             dir(0, 0, 0o755),
		"/tmp/hers":              dir(1000, 1000, 0o755),
		"/tmp/roots/x":           dir(0, 0, 0o755),
		"/tmp/tolink":            link(0, "/home/alice/share"),
		"/nix":                   dir(0, 0, 0o755),
		"/nix/store":             dir(0, 30000, 0o775|sticky),
		"/nix/store/abc-pkg":     dir(0, 0, 0o555),
		"/nix/store/abc-pkg/etc": dir(0, 0, 0o555),
		"/var":                   dir(0, 0, 0o755),
		"/var/lib":               dir(0, 0, 0o755),
		"/var/lib/nixlxc":        dir(0, 0, 0o711),
		"/var/lib/shared":        dir(0, 0, 0o1777),
	}
}

func trust(uids ...uint32) Trusted {
	return func(uid uint32) (bool, error) {
		if uid == 0 {
			return true, nil
		}
		for _, u := range uids {
			if u == uid {
				return true, nil
			}
		}
		return false, nil
	}
}

func TestResolve(t *testing.T) {
	cases := []struct {
		path    string
		check   Check
		trusted []uint32
		want    string // the resolved path, or the error's text
	}{
		{"/srv/data", Target, nil, "/srv/data"},
		{"/srv/data/", Target, nil, "/srv/data"},
		{"/srv/./data", Target, nil, "/srv/data"},
		{"/srv/alices", Target, nil, "/srv/alices"},
		{"/srv/file", Target, nil, "/srv/file"},
		{"/srv/web", Target, nil, "/srv/data"},
		{"/srv/up", Target, nil, "/srv/data"},
		{"/srv/abs", Target, nil, "/srv/data"},
		{"/srv/data/../data", Target, nil, "/srv/data"},
		{"/", Target, nil, "/"},
		{"/tmp/roots/x", Target, nil, "/tmp/roots/x"},
		{"/tmp/roots", Owned, nil, "/tmp/roots"},
		{"/nix/store/abc-pkg/etc", Target, nil, "/nix/store/abc-pkg/etc"},
		{"/var/lib/nixlxc", Owned, nil, "/var/lib/nixlxc"},
		{"/srv/rootfuse/x", Target, nil, "/srv/rootfuse/x"},

		{"/home/alice/share", Target, nil, "/home/alice is owned by uid 1000, who could redirect /home/alice/share"},
		{"/home/alice/share", Target, []uint32{1000}, "/home/alice/share"},
		{"/home/bob/share", Target, []uint32{1000}, "/home/bob is owned by uid 1001, who could redirect /home/bob/share"},
		{"/srv/alices", Owned, nil, "/srv/alices is owned by uid 1000, who could change it"},
		{"/tmp/hers", Target, nil, "/tmp/hers is owned by uid 1000 in the sticky directory /tmp, who could change it"},
		{"/tmp/hers", Target, []uint32{1000}, "/tmp/hers"},
		{"/tmp/tolink", Target, nil, "/home/alice is owned by uid 1000, who could redirect /tmp/tolink"},
		{"/srv/planted", Target, nil, "/srv/planted is a symlink uid 1000 made, who could change it"},
		{"/srv/group/x", Target, nil, "/srv/group is writable by its group (gid 100), whose members could redirect /srv/group/x"},
		{"/srv/world/x", Target, nil, "/srv/world is writable by every user, who could redirect /srv/world/x"},
		{"/srv/world", Owned, nil, "/srv/world is writable by every user, who could change it"},
		{"/var/lib/shared", Target, nil, "/var/lib/shared"},
		{"/var/lib/shared", Owned, nil, "/var/lib/shared is writable by every user, who could change it"},
		{"/tmp", Owned, nil, "/tmp is writable by every user, who could change it"},
		{"/srv/file", Owned, nil, "/srv/file"},
		{"/srv/web", Owned, nil, "/srv/data"},
		{"/home/alice/notes", Owned, []uint32{1000}, "/home/alice/notes"},
		{"/etc/host.json", Owned, nil, "/etc/host.json is owned by uid 1000, who could change it"},
		{"/etc/group.json", Owned, nil, "/etc/group.json is writable by its group (gid 100), whose members could change it"},
		{"/srv/fuse/x", Target, nil, "/srv/fuse is on a FUSE file system uid 1000 mounted, who could redirect /srv/fuse/x"},
		{"/srv/fuse/x", Target, []uint32{1000}, "/srv/fuse/x"},
		{"/srv/file/x", Target, nil, "/srv/file: not a directory"},
		{"/srv/loop", Target, nil, "/srv/loop: too many levels of symbolic links"},
		{"/srv/missing/x", Target, nil, "lstat /srv/missing: file does not exist"},
		{"srv/data", Target, nil, "srv/data is not an absolute path"},
	}
	for _, c := range cases {
		got, err := Resolve(host(), c.path, trust(c.trusted...), c.check)
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("Resolve(%s, %v, trusting %v) = %q, want %q", c.path, c.check, c.trusted, got, c.want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	_, err := Resolve(host(), "/srv/missing/x", trust(), Target)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing step: %v, want fs.ErrNotExist", err)
	}
	_, err = Resolve(host(), "/home/alice/share", trust(), Target)
	if u, ok := IsUntrusted(err); !ok || u.UID != 1000 || u.How != Owner || u.Step != "/home/alice" {
		t.Errorf("an untrusted step: %#v", err)
	}
	_, err = Resolve(host(), "/srv/loop", trust(), Target)
	if !errors.Is(err, syscall.ELOOP) {
		t.Errorf("a symlink loop: %v", err)
	}
	// The trust function's error ends the walk.
	boom := errors.New("host.json: no user alcie")
	_, err = Resolve(host(), "/home/alice/share", func(uid uint32) (bool, error) {
		if uid == 0 {
			return true, nil
		}
		return false, boom
	}, Target)
	if !errors.Is(err, boom) {
		t.Errorf("a failing trust: %v", err)
	}
}

// TestResolveHost resolves real paths: a temporary tree the caller owns
// (trusted as the caller), with a symlink on the way.
func TestResolveHost(t *testing.T) {
	d := t.TempDir()
	os.MkdirAll(filepath.Join(d, "a", "b"), 0o755)
	os.Symlink("a", filepath.Join(d, "l"))
	os.Chmod(filepath.Join(d, "a"), 0o755)
	self := uint32(os.Geteuid())
	mine := func(uid uint32) (bool, error) { return uid == 0 || uid == self, nil }
	real, _ := filepath.EvalSymlinks(d)
	got, err := Resolve(&Host{}, filepath.Join(d, "l", "b"), mine, Target)
	if want := filepath.Join(real, "a", "b"); err != nil || got != want {
		t.Errorf("Resolve = %q, %v; want %q", got, err, want)
	}
	os.Chmod(filepath.Join(d, "a"), 0o777)
	_, err = Resolve(&Host{}, filepath.Join(d, "l", "b"), mine, Target)
	if err == nil || !strings.Contains(err.Error(), "writable by every user") {
		t.Errorf("a world-writable directory on the way: %v", err)
	}
}

func FuzzResolve(f *testing.F) {
	for _, p := range []string{"/srv/web", "/srv/up/../../x", "/tmp/tolink", "/a/./b//c/.."} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := Resolve(host(), p, trust(), Target)
		if err != nil {
			return
		}
		if !filepath.IsAbs(got) || filepath.Clean(got) != got {
			t.Errorf("Resolve(%q) = %q, not a clean absolute path", p, got)
		}
		if _, ok := host()[got]; !ok {
			t.Errorf("Resolve(%q) = %q, which does not exist", p, got)
		}
	})
}

// TestFUSEMounter: the user_id= of the mount a FUSE directory is on, the
// innermost and last mounted one; anything unclear trusts no one.
func TestFUSEMounter(t *testing.T) {
	h := &Host{read: true, mounts: []mountinfo.Mount{
		{MountPoint: "/", FSType: "ext4"},
		{MountPoint: "/home/alice/mnt", FSType: "fuse.sshfs", SuperOptions: []string{"rw", "user_id=1000", "group_id=1000"}},
		{MountPoint: "/srv/rclone", FSType: "fuse.rclone", SuperOptions: []string{"rw", "user_id=0", "group_id=0"}},
		{MountPoint: "/srv/rclone", FSType: "fuse", SuperOptions: []string{"rw", "user_id=1001"}},
		{MountPoint: "/srv/odd", FSType: "fuse", SuperOptions: []string{"rw"}},
	}}
	for path, want := range map[string]int64{
		"/home/alice/mnt":     1000,
		"/home/alice/mnt/a/b": 1000,
		"/srv/rclone/x":       1001, // stacked: the last one shows
		"/srv/odd":            1<<32 - 1,
		"/home/alice/mnt2":    1<<32 - 1, // statfs said FUSE, mountinfo does not
	} {
		if got := h.fuseMounter(path); got != want {
			t.Errorf("fuseMounter(%s) = %d, want %d", path, got, want)
		}
	}
}

package container

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nixlxc/nixlxc/internal/hostpath"
	"github.com/nixlxc/nixlxc/lxcconf"
)

func TestCheckHostMount(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	os.MkdirAll(filepath.Join(state, "lxc"), 0o755)
	os.MkdirAll(filepath.Join(dir, "srv", "shared", "sub"), 0o755)
	os.Symlink(state, filepath.Join(dir, "srv", "to-state"))
	os.Symlink("/", filepath.Join(dir, "srv", "to-root"))
	fifo := filepath.Join(dir, "srv", "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	b := lxcconf.Boundary{
		Protected: []lxcconf.ProtectedDir{{Path: state, What: "nixlxc's state directory"}},
		Own:       []string{"nix/store", "run/nixlxc"},
		Allowed:   []string{dir},
	}
	writable := map[string]string{filepath.Join(dir, "srv", "shared"): "container other"}
	mount := func(src string) hostMount { return hostMount{source: src, target: "mnt", readOnly: true} }
	trust := testTrust(&hostpath.Host{})
	if err := checkHostMount(b, mount(filepath.Join(dir, "srv", "shared")), writable, trust); err != nil {
		t.Errorf("a shared directory itself: %v", err)
	}
	for src, mention := range map[string]string{
		filepath.Join(dir, "srv", "to-state"):      "resolves to " + state,
		filepath.Join(dir, "srv", "to-root"):       "resolves to /",
		fifo:                                       "FIFO",
		filepath.Join(dir, "srv", "shared", "sub"): "container other writes",
		filepath.Join(dir, "srv", "missing"):       "does not exist",
	} {
		err := checkHostMount(b, mount(src), writable, trust)
		if err == nil || !strings.Contains(err.Error(), mention) {
			t.Errorf("checkHostMount(%s) = %v, want it to mention %q", src, err, mention)
		}
	}
}

// TestCheckHostMountAllowed: a source must resolve into a directory
// host.json's bindMountSources lists; as written is not enough.
func TestCheckHostMountAllowed(t *testing.T) {
	dir := t.TempDir()
	srv := filepath.Join(dir, "srv")
	os.MkdirAll(filepath.Join(srv, "web"), 0o755)
	os.MkdirAll(filepath.Join(dir, "other"), 0o755)
	os.Symlink("/etc", filepath.Join(srv, "to-etc"))
	os.Symlink(filepath.Join(dir, "other"), filepath.Join(srv, "to-other"))
	os.Symlink(filepath.Join(srv, "web"), filepath.Join(dir, "other", "to-web"))
	b := lxcconf.Boundary{Allowed: []string{srv}}
	trust := testTrust(&hostpath.Host{})
	mount := func(src string, ro bool) hostMount { return hostMount{source: src, target: "mnt", readOnly: ro} }
	for _, ok := range []hostMount{
		mount(srv, false),
		mount(filepath.Join(srv, "web"), true),
		mount(filepath.Join(srv, "web"), false),
		mount(filepath.Join(dir, "other", "to-web"), true), // what is mounted is in srv
	} {
		if err := checkHostMount(b, ok, nil, trust); err != nil {
			t.Errorf("checkHostMount(%s, ro=%v): %v", ok.source, ok.readOnly, err)
		}
	}
	for _, c := range []struct {
		hm      hostMount
		mention []string
	}{
		{mount("/etc", true), []string{"the host path /etc is outside host.json's bindMountSources (/etc/nixlxc/host.json lists " + srv + ")", `["` + srv + `", "/etc"]}`, "services.nixlxc.bindMountSources"}},
		{mount(filepath.Join(srv, "to-etc"), true), []string{"resolves to /etc, which is outside", `add "/etc"`}},
		{mount(filepath.Join(srv, "to-other"), true), []string{"resolves to " + filepath.Join(dir, "other") + ", which is outside"}},
		{mount(srv+"/../other", true), []string{"absolute and clean"}},
		{mount(dir, true), []string{"the host path " + dir + " is outside"}},
		{mount("/root", false), []string{"/root", "system trees", "never read-write"}},
		{mount(filepath.Join(srv, "to-etc"), false), []string{"resolves to /etc", "system trees"}},
	} {
		err := checkHostMount(b, c.hm, nil, trust)
		for _, m := range c.mention {
			if err == nil || !strings.Contains(err.Error(), m) {
				t.Errorf("checkHostMount(%s, ro=%v) = %v, want it to mention %q", c.hm.source, c.hm.readOnly, err, m)
			}
		}
	}
	if err := checkHostMount(lxcconf.Boundary{}, mount(filepath.Join(srv, "web"), true), nil, trust); err == nil || !strings.Contains(err.Error(), "lists none") {
		t.Errorf("with no bindMountSources: %v", err)
	}
}

func TestCheckNesting(t *testing.T) {
	ms := []hostMount{
		{what: "a", source: "/srv/a", readOnly: true},
		{what: "b", source: "/srv/a/b", readOnly: true},
		{what: "c", source: "/srv/c", readOnly: false},
	}
	if err := checkNesting(ms); err != nil {
		t.Errorf("read-only inside read-only: %v", err)
	}
	for _, bad := range [][]hostMount{
		{{what: "a", source: "/srv/a", readOnly: true}, {what: "rw", source: "/srv/a/rw", readOnly: false}},
		{{what: "rw", source: "/srv", readOnly: false}, {what: "ro", source: "/srv/ro", readOnly: true}},
	} {
		if err := checkNesting(bad); err == nil {
			t.Errorf("checkNesting(%+v) accepted it", bad)
		}
	}
}

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
	}
	writable := map[string]string{filepath.Join(dir, "srv", "shared"): "container other"}
	mount := func(src string) hostMount { return hostMount{source: src, target: "mnt", readOnly: true} }
	resolve := testTrust(&hostpath.Host{}).resolve
	if err := checkHostMount(b, mount(filepath.Join(dir, "srv", "shared")), writable, resolve); err != nil {
		t.Errorf("a shared directory itself: %v", err)
	}
	for src, mention := range map[string]string{
		filepath.Join(dir, "srv", "to-state"):      "resolves to " + state,
		filepath.Join(dir, "srv", "to-root"):       "resolves to /",
		fifo:                                       "FIFO",
		filepath.Join(dir, "srv", "shared", "sub"): "container other writes",
		filepath.Join(dir, "srv", "missing"):       "does not exist",
	} {
		err := checkHostMount(b, mount(src), writable, resolve)
		if err == nil || !strings.Contains(err.Error(), mention) {
			t.Errorf("checkHostMount(%s) = %v, want it to mention %q", src, err, mention)
		}
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

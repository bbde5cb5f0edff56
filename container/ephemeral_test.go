package container

import (
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/lxcapi"
	"golang.org/x/sys/unix"
)

// inMountNamespace runs fn on a thread of its own in a private mount
// namespace, which the thread takes with it when it ends. fn reports with
// t.Error: it does not run on the test's goroutine.
func inMountNamespace(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		goruntime.LockOSThread() // never unlocked: the thread dies with its namespace
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			t.Errorf("unshare: %v", err)
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			t.Errorf("making mounts private: %v", err)
			return
		}
		fn()
	}()
	<-done
}

// An ephemeral container's root is a fresh tmpfs at every start, gone at
// stop; one left by a container that stopped on its own is found and
// unmounted by doctor; destroy unmounts it itself.
func TestEphemeral(t *testing.T) {
	tm := newTestManager(t)
	file := tm.config("e.json", "one", nil)
	inMountNamespace(t, func() {
		check := func(what string, err error) bool {
			if err != nil {
				t.Errorf("%s: %v", what, err)
			}
			return err == nil
		}
		if !check("create", tm.Create(ctx, "eph", file, CreateOptions{Ephemeral: true})) {
			return
		}
		root := tm.paths.rootfs("eph")
		mounted := func() bool { m, _ := tm.paths.ownRootMount("eph"); return m }
		check("start", tm.Start(ctx, "eph", StartOptions{Timeout: time.Second}))
		if !mounted() {
			t.Error("started without its in-memory root")
		}
		if _, err := os.Stat(filepath.Join(root, "nix/store")); err != nil {
			t.Errorf("the in-memory root lacks its mount points: %v", err)
		}
		if st, err := os.Stat(root); err != nil || st.Sys().(*syscall.Stat_t).Uid != 100000 {
			t.Errorf("the in-memory root is not its root's: %v", err)
		}
		os.WriteFile(filepath.Join(root, "etc/written"), []byte("x"), 0o644)
		check("stop", tm.Stop(ctx, "eph", time.Second))
		if mounted() {
			t.Error("stop left the in-memory root mounted")
		}
		if _, err := os.Stat(filepath.Join(root, "etc/written")); err == nil {
			t.Error("a file of the last run is on disk")
		}
		// An update keeps what create said.
		check("update", tm.Update(ctx, "eph", tm.config("e.json", "two", nil), UpdateOptions{}))
		if s := tm.recs.currentSettings(mustLoad(t, tm, "eph")); !s.Ephemeral {
			t.Error("the update dropped --ephemeral")
		}

		// It stops on its own: the tmpfs stays until doctor or a start.
		check("start", tm.Start(ctx, "eph", StartOptions{Timeout: time.Second}))
		os.WriteFile(filepath.Join(root, "etc/written"), []byte("x"), 0o644)
		tm.lxc.mu.Lock()
		tm.lxc.states["eph"] = lxcapi.Stopped
		tm.lxc.mu.Unlock()
		found, err := tm.Doctor(ctx, true)
		if check("doctor", err) && (len(found) != 1 || !strings.Contains(found[0].Problem, "eph: stopped, with its in-memory root still mounted") || !found[0].Repaired) {
			t.Errorf("doctor found %+v", found)
		}
		if mounted() {
			t.Error("doctor's repair left it mounted")
		}
		check("start", tm.Start(ctx, "eph", StartOptions{Timeout: time.Second}))
		if _, err := os.Stat(filepath.Join(root, "etc/written")); err == nil {
			t.Error("a start's root holds the last run's file")
		}
		// A running ephemeral container's own mount does not stop destroy.
		check("destroy", tm.Destroy(ctx, "eph", true))
		if mounted() || tm.Exists("eph") {
			t.Error("destroy left it")
		}
	})
}

func mustLoad(t *testing.T, tm *testManager, name string) *record {
	rec, err := tm.recs.load(name)
	if err != nil {
		t.Error(err)
		return &record{Name: name}
	}
	return rec
}

// notMountRoot spares the mount table's parse only where nothing is
// mounted.
func TestNotMountRoot(t *testing.T) {
	if !notMountRoot(t.TempDir()) {
		t.Error("a plain directory is taken for a mount's root")
	}
	if notMountRoot("/proc") {
		t.Error("/proc is not taken for a mount's root")
	}
	if notMountRoot(filepath.Join(t.TempDir(), "missing")) {
		t.Error("a missing path is said to have nothing mounted")
	}
}

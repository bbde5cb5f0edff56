package lxcapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/internal/testenv"
	"golang.org/x/sys/unix"
)

func TestLastError(t *testing.T) {
	log := filepath.Join(t.TempDir(), "lxc.log")
	old := "lxc-start web 20260101 ERROR start - ../src/lxc/start.c:start:2197 - old failure\n"
	now := `lxc-start web 20261202 INFO     conf - ../src/lxc/conf.c:run:1 - fine
lxc-start web 20261202 ERROR    start - ../src/lxc/start.c:start:2197 - No such file or directory - Failed to exec "/init"
lxc-start web 20261202 ERROR    lxccontainer - ../src/lxc/lxccontainer.c:wait_on_daemonized_start:870 - Received container state "ABORTING" instead of "RUNNING"
`
	os.WriteFile(log, []byte(old+now), 0o644)
	got := lastError(log, int64(len(old)))
	if got != `Failed to exec "/init": No such file or directory` {
		t.Errorf("lastError = %q: want the first error after the offset, message first", got)
	}
	if got := lastError(log, fileSize(log)); got != "" {
		t.Errorf("nothing after the end: %q", got)
	}
	if lastError("", 0) != "" || lastError(filepath.Join(t.TempDir(), "none"), 0) != "" {
		t.Error("a missing log gave an error line")
	}
	if fileSize(filepath.Join(t.TempDir(), "none")) != 0 {
		t.Error("a missing file has a size")
	}
}

func TestShedInherited(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	// An inherited descriptor: not close-on-exec.
	fd, err := unix.Dup(int(w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	os.Setenv("LISTEN_FDS", "1")
	ShedInherited()
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("fd %d is not close-on-exec after ShedInherited (flags %d, %v)", fd, flags, err)
	}
	if _, ok := os.LookupEnv("LISTEN_FDS"); ok {
		t.Error("LISTEN_FDS is still set")
	}
}

func TestTerminalHelpers(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "notatty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(nil) {
		t.Error("a file is a terminal")
	}
	if _, err := makeRaw(f); err == nil {
		t.Error("a file was put in raw mode")
	}
	copyWinsize(f, f) // no terminal: nothing happens
}

// A container that does not exist (or whose config is garbage) has a
// state, and stopping it is no error: liblxc is asked without loading its
// config.
func TestRuntimeOnBrokenContainers(t *testing.T) {
	testenv.RequireRoot(t)
	r := Runtime{Path: t.TempDir()}
	if s, err := r.State("none"); err != nil || s != Stopped {
		t.Errorf("State of nothing = %q, %v", s, err)
	}
	os.MkdirAll(filepath.Join(r.Path, "broken"), 0o755)
	os.WriteFile(filepath.Join(r.Path, "broken", "config"), []byte("lxc.tty.max = abc\nthis is no config\n"), 0o600)
	if s, err := r.State("broken"); err != nil || s != Stopped {
		t.Errorf("State of a broken config = %q, %v", s, err)
	}
	if err := r.Kill("broken"); err != nil {
		t.Errorf("Kill: %v", err)
	}
	if err := r.Shutdown("broken", time.Second); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if a := r.Active(); len(a) != 0 {
		t.Errorf("Active = %v", a)
	}
	h, err := r.Open("broken")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.State() != Stopped {
		t.Errorf("handle state %s", h.State())
	}
	err = h.Start(filepath.Join(r.Path, "broken", "lxc.log"))
	if err == nil || !strings.Contains(err.Error(), "liblxc") {
		t.Errorf("starting a broken config: %v", err)
	}
	if err := r.CheckConfigItem("lxc.tty.max", "abc"); err == nil {
		t.Error("liblxc accepted lxc.tty.max = abc")
	}
	if err := r.CheckConfigItem("lxc.tty.max", "4"); err != nil {
		t.Errorf("lxc.tty.max = 4: %v", err)
	}
	if DefaultPath() == "" {
		t.Error("no default LXC path")
	}
	_ = CgroupV2()
}

func TestFindHelper(t *testing.T) {
	write := func(p string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, mode); err != nil {
			t.Fatal(err)
		}
	}
	// make build: bin/nixlxc and bin/nixlxc-helper.
	build := t.TempDir()
	write(filepath.Join(build, "bin", HelperName), 0o755)
	if got, err := findHelper(filepath.Join(build, "bin", "nixlxc")); err != nil || got != filepath.Join(build, "bin", HelperName) {
		t.Errorf("next to nixlxc: %q, %v", got, err)
	}
	// make install and the Nix package: PREFIX/bin/nixlxc and
	// PREFIX/libexec/nixlxc/nixlxc-helper.
	prefix := t.TempDir()
	write(filepath.Join(prefix, "libexec", "nixlxc", HelperName), 0o755)
	if got, err := findHelper(filepath.Join(prefix, "bin", "nixlxc")); err != nil || got != filepath.Join(prefix, "libexec", "nixlxc", HelperName) {
		t.Errorf("in libexec: %q, %v", got, err)
	}
	// Not executable, or missing: an error naming where it looked.
	bad := t.TempDir()
	write(filepath.Join(bad, "bin", HelperName), 0o644)
	if _, err := findHelper(filepath.Join(bad, "bin", "nixlxc")); err == nil || !strings.Contains(err.Error(), filepath.Join(bad, "bin", HelperName)) {
		t.Errorf("a helper that cannot run: %v", err)
	}
}

func TestLockedSources(t *testing.T) {
	got := lockedSources([]bindSource{
		{path: "/nix/store", readOnly: true},
		{path: "/srv/data", recursive: true, readOnly: false},
		{path: "/srv/web", recursive: true, readOnly: true},
	})
	if want := "b:/nix/store r:/srv/web"; strings.Join(got, " ") != want {
		t.Errorf("lockedSources = %q, want %q", got, want)
	}
	if got := lockedSources([]bindSource{{path: "/srv/data"}}); got != nil {
		t.Errorf("no read-only source: %q, want none (no namespace)", got)
	}
}

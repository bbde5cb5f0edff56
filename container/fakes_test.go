package container

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/internal/testenv"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/nixlxc/nixlxc/spec"
)

// Recording fakes of liblxc, Nix and the host's network, for unit tests of
// the lifecycle's own logic. The real runs of every command are the
// end-to-end tests in tests/.

// fakeNix "builds" a system as a directory in a fake store: what nixlxc
// reads of a system (its settings, its init) and nothing else. A config
// file holds the settings as Nix would evaluate them (spec.Evaluated, as
// JSON) and a "system" word that makes the build differ.
type fakeNix struct {
	store  string
	mu     sync.Mutex
	builds []nixsys.Build
	fail   error
	evals  int
}

type fakeConfig struct {
	spec.Evaluated
	System string `json:"system"`
}

func (f *fakeNix) builder(src Source) builder { return f }

func (f *fakeNix) CheckVersion(ctx context.Context) error { return nil }

func (f *fakeNix) Settings(ctx context.Context, file string) (spec.Evaluated, error) {
	c, err := readFakeConfig(file)
	return c.Evaluated, err
}

// FlakeSettings reads a fake flake: REF/flake.nix holds what a config
// file holds.
func (f *fakeNix) FlakeSettings(ctx context.Context, flake string) (spec.Evaluated, error) {
	c, err := readFakeConfig(fakeFlakeFile(flake))
	return c.Evaluated, err
}

func fakeFlakeFile(flake string) string {
	ref, _, _ := strings.Cut(flake, "#")
	return filepath.Join(ref, "flake.nix")
}

func readFakeConfig(file string) (fakeConfig, error) {
	var c fakeConfig
	data, err := os.ReadFile(file)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, &nixsys.Error{Op: "reading " + file, Stderr: "error: " + err.Error(), Err: err}
	}
	if c.Form == "" {
		c.Form = "attrset"
	}
	return c, nil
}

func (f *fakeNix) BuildSystem(ctx context.Context, b nixsys.Build) (string, error) {
	f.mu.Lock()
	f.builds = append(f.builds, b)
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		return "", fail
	}
	out, err := f.pathOf(b)
	if err != nil {
		return "", err
	}
	settings := b.Settings.JSON()
	if err := os.MkdirAll(filepath.Join(out, "bin"), 0o755); err != nil {
		return "", err
	}
	files := map[string]string{
		"nixlxc.json":                 settings,
		"init":                        "#!/bin/sh\n",
		"bin/switch-to-configuration": "#!/bin/sh\n",
		"nixlxc-state-version":        "24.11",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(out, name), []byte(content), 0o755); err != nil {
			return "", err
		}
	}
	return out, nil
}

// fakeLXC is liblxc: containers are states, a start "boots" by writing
// the booted report, and commands run inside answer as run says.
type fakeLXC struct {
	paths  layout
	mu     sync.Mutex
	states map[string]string
	starts map[string]int
	ran    [][]string
	// run answers a command run inside (status, output); nil: 0, "".
	run func(name string, argv []string) (int, string)
	// startErr fails starts.
	startErr error
	// noBoot leaves started containers without a booted report.
	noBoot bool
}

func newFakeLXC(paths layout) *fakeLXC {
	return &fakeLXC{paths: paths, states: map[string]string{}, starts: map[string]int{}}
}

func (f *fakeLXC) State(name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.states[name]; ok {
		return s, nil
	}
	return lxcapi.Stopped, nil
}

func (f *fakeLXC) Active() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]bool{}
	for n, s := range f.states {
		if s != lxcapi.Stopped {
			out[n] = true
		}
	}
	return out
}

func (f *fakeLXC) Open(name string) (lxcHandle, error) { return fakeHandle{f, name}, nil }

func (f *fakeLXC) Shutdown(name string, timeout time.Duration) error { return f.Kill(name) }

func (f *fakeLXC) Kill(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states[name] = lxcapi.Stopped
	return nil
}

func (f *fakeLXC) Run(ctx context.Context, name string, argv, env []string, cwd string, io Stdio) (int, error) {
	f.mu.Lock()
	f.ran = append(f.ran, argv)
	run := f.run
	f.mu.Unlock()
	status, out := 0, ""
	if run != nil {
		status, out = run(name, argv)
	}
	if io.Stdout != nil && out != "" {
		io.Stdout.WriteString(out)
	}
	return status, nil
}

func (f *fakeLXC) CheckConfigItem(key, value string) error { return nil }

// Console writes what it was given to the console's output.
func (f *fakeLXC) Console(ctx context.Context, name string, io Stdio, escape byte) error {
	f.mu.Lock()
	f.ran = append(f.ran, []string{"console", string(rune('a' + escape - 1))})
	f.mu.Unlock()
	return nil
}

// InitPID is this process for a running container: its cgroups and start
// time stand in for a container's.
func (f *fakeLXC) InitPID(name string) (int, error) {
	if s, _ := f.State(name); s != lxcapi.Running {
		return 0, lxcapi.ErrNotRunning
	}
	return os.Getpid(), nil
}

type fakeHandle struct {
	f    *fakeLXC
	name string
}

func (h fakeHandle) State() string { s, _ := h.f.State(h.name); return s }
func (h fakeHandle) Close()        {}

func (h fakeHandle) Start(logFile string) error {
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	if h.f.startErr != nil {
		return h.f.startErr
	}
	h.f.states[h.name] = lxcapi.Running
	h.f.starts[h.name]++
	if h.f.noBoot {
		return nil
	}
	system, err := filepath.EvalSymlinks(h.f.paths.profile(h.name).Path)
	if err != nil {
		return err
	}
	run := h.f.paths.runDir(h.name)
	os.WriteFile(filepath.Join(run, "current"), []byte(system+"\n"), 0o644)
	return os.WriteFile(filepath.Join(run, "booted"), []byte(system+"\n"), 0o644)
}

// testManager is a Manager over a temporary installation, with fakes for
// liblxc, Nix and the host's network. Rootfs directories belong to the
// containers' mapped root: creating them needs root, as CI has.
type testManager struct {
	*Manager
	t      *testing.T
	dir    string
	nix    *fakeNix
	lxc    *fakeLXC
	host   *fakeHost
	events []Event
	evMu   sync.Mutex
}

func newTestManager(t *testing.T) *testManager {
	t.Helper()
	testenv.RequireRoot(t)
	dir, err := os.MkdirTemp("", "nixlxc-unit-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Root's subordinate ids, as setup gives them.
	oldU, oldG := subuidFile, subgidFile
	t.Cleanup(func() { subuidFile, subgidFile = oldU, oldG })
	subuidFile, subgidFile = filepath.Join(dir, "subuid"), filepath.Join(dir, "subgid")
	for _, f := range []string{subuidFile, subgidFile} {
		os.WriteFile(f, []byte("root:100000:6553600\n"), 0o644)
	}
	tm := &testManager{t: t, dir: dir}
	m, err := New(Options{
		StateDir:   filepath.Join(dir, "state"),
		ProfileDir: filepath.Join(dir, "profiles"),
		HostConfig: filepath.Join(dir, "host.json"),
		Events: func(e Event) {
			tm.evMu.Lock()
			defer tm.evMu.Unlock()
			tm.events = append(tm.events, e)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	tm.Manager = m
	m.paths.gcRootDir = filepath.Join(dir, "gcroots")
	m.recs.paths, m.net.paths, m.cfg.paths = m.paths, m.paths, m.paths
	tm.nix = &fakeNix{store: filepath.Join(dir, "store")}
	m.nix = tm.nix.builder
	tm.lxc = newFakeLXC(m.paths)
	m.lxc = tm.lxc
	tm.host = &fakeHost{inUse: map[string]bool{}, bridges: map[string][]netip.Prefix{}}
	m.net.host = tm.host
	return tm
}

// config writes a fake config file: settings as Nix evaluates them (JSON
// values of the nixcloud-style attribute set) and a word the system is
// built from.
func (tm *testManager) config(name, system string, settings map[string]any) string {
	tm.t.Helper()
	e := map[string]any{"form": "attrset", "unknown": []string{}, "misplaced": []string{}, "system": system}
	for k, v := range settings {
		e[k] = v
	}
	data, err := json.Marshal(e)
	if err != nil {
		tm.t.Fatal(err)
	}
	p := filepath.Join(tm.dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tm.t.Fatal(err)
	}
	return p
}

// said is every event's text so far, one per line.
func (tm *testManager) said() string {
	tm.evMu.Lock()
	defer tm.evMu.Unlock()
	var lines []string
	for _, e := range tm.events {
		lines = append(lines, e.Text)
	}
	return strings.Join(lines, "\n")
}

func (tm *testManager) must(err error) {
	tm.t.Helper()
	if err != nil {
		tm.t.Fatal(err)
	}
}

// leftovers lists what of a container remains.
func (tm *testManager) leftovers(name string) []string {
	var left []string
	for _, p := range []string{tm.paths.containerDir(name), filepath.Dir(tm.paths.profile(name).Path), tm.paths.lockPath(name)} {
		if _, err := os.Lstat(p); err == nil {
			left = append(left, p)
		}
	}
	roots, _ := os.ReadDir(tm.paths.gcRootDir)
	for _, r := range roots {
		left = append(left, "GC root "+r.Name())
	}
	sort.Strings(left)
	return left
}

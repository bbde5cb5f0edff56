// Package tests holds nixlxc's end-to-end tests: the real nixlxc binary,
// liblxc, Nix and kernel, real unprivileged containers. Each test runs in a
// network and mount namespace of its own (see isolate), so it never touches
// the host's interfaces, routes or firewall, and tests can run side by side.
package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/internal/standin"
)

const (
	// envIsolated names the test a child process runs, in its namespace.
	envIsolated = "NIXLXC_TEST_ISOLATED"
	// envBinary is the nixlxc binary under test.
	envBinary = "NIXLXC_TEST_BINARY"
)

var (
	repoRoot string
	binary   string
)

func TestMain(m *testing.M) {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	repoRoot = filepath.Dir(wd)
	if err := useTestNixConfig(); err != nil {
		panic(err)
	}
	binary = os.Getenv(envBinary)
	if binary == "" && os.Geteuid() == 0 {
		dir, err := os.MkdirTemp("", "nixlxc-bin-")
		if err != nil {
			panic(err)
		}
		binary = filepath.Join(dir, "nixlxc")
		args := []string{"build", "-o", binary}
		if raceBuild {
			args = append(args, "-race")
		}
		build := exec.Command("go", append(args, "./cmd/nixlxc")...)
		build.Dir = repoRoot
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building nixlxc:", err)
			os.Exit(1)
		}
		// nixlxc finds its helper next to itself.
		helper := exec.Command("make", "-s", "helper", "HELPER="+filepath.Join(dir, "nixlxc-helper"))
		helper.Dir = repoRoot
		helper.Stdout, helper.Stderr = os.Stderr, os.Stderr
		if err := helper.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building nixlxc-helper:", err)
			os.Exit(1)
		}
		os.Setenv(envBinary, binary)
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	if binary != "" && !hasHelper(binary) {
		// Every container test would fail on it, one by one.
		fmt.Fprintf(os.Stderr, "%s=%s: nixlxc-helper is not next to it nor in ../libexec/nixlxc/ (make helper HELPER=%s)\n",
			envBinary, binary, filepath.Join(filepath.Dir(binary), "nixlxc-helper"))
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// hasHelper reports whether the nixlxc binary has its helper where it looks
// for it (lxcapi.findHelper).
func hasHelper(binary string) bool {
	dir := filepath.Dir(binary)
	for _, p := range []string{filepath.Join(dir, "nixlxc-helper"), filepath.Join(filepath.Dir(dir), "libexec", "nixlxc", "nixlxc-helper")} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return true
		}
	}
	return false
}

// useTestNixConfig hands Nix the tests' own settings (scripts/test-nix.conf:
// no sandbox, no binary cache) through NIX_CONFIG, after the caller's, for
// this test process and everything it runs, as scripts/test.sh does: the
// host's nix.conf need not have them, and does not after setup-host.sh.
func useTestNixConfig() error {
	data, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "test-nix.conf"))
	if err != nil {
		return err
	}
	var lines []string
	if c := os.Getenv("NIX_CONFIG"); c != "" {
		lines = append(lines, c)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") && !strings.Contains(os.Getenv("NIX_CONFIG"), l) {
			lines = append(lines, l)
		}
	}
	return os.Setenv("NIX_CONFIG", strings.Join(lines, "\n"))
}

// netnsScript runs inside `unshare --net --mount`: a fresh sysfs shows the new
// namespace's interfaces, and the cgroup mounts are carried over it (a plain
// `ip netns exec` loses them and LXC then runs without cgroups).
const netnsScript = `set -e
mkdir -p /run/nixlxc-test-cgroup
mount --rbind /sys/fs/cgroup /run/nixlxc-test-cgroup
mount -t sysfs sysfs /sys
mount --rbind /run/nixlxc-test-cgroup /sys/fs/cgroup
ip link set lo up
exec "$@"`

// isolate reruns the calling top-level test in a fresh network and mount
// namespace, with nothing of its network set up, and reports whether the
// caller is that rerun (and should do the test's work). Tests that isolate
// run in parallel: each has its own namespace, state and profile directory.
func isolate(t *testing.T) bool {
	t.Helper()
	if os.Getenv(envIsolated) == t.Name() {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end tests need root (CI runs them as root)")
	}
	t.Parallel()
	args := []string{"--net", "--mount", "--propagation", "private", "--",
		"/bin/sh", "-c", netnsScript, "sh",
		os.Args[0], "-test.run", "^" + regexp.QuoteMeta(t.Name()) + "$", "-test.v", "-test.count=1"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout", time.Until(d).Round(time.Second).String())
	}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), envIsolated+"="+t.Name())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil || testing.Verbose() {
		t.Logf("in its own network namespace:\n%s", out.String())
	}
	if err != nil {
		t.Fatalf("%s failed in its namespace: %v", t.Name(), err)
	}
	if !strings.Contains(out.String(), "--- PASS: "+t.Name()) {
		t.Fatalf("%s did not run in its namespace", t.Name())
	}
	return false
}

// host is one nixlxc installation in a test's namespace.
type host struct {
	t          *testing.T
	dir        string
	stateDir   string
	profileDir string
	hostConfig string
	env        []string
	// wrap runs nixlxc under another command (ownNetworkNamespace).
	wrap []string
}

// ownNetworkNamespace runs each of the installation's commands in a fresh
// network namespace of its own, as a second installation on one host must
// be (one installation per network namespace). For installations that
// start no container.
func (h *host) ownNetworkNamespace() {
	h.wrap = []string{"unshare", "--net", "--"}
}

func newHost(t *testing.T) *host {
	t.Helper()
	// Not t.TempDir: its directories are 0700 and the containers' mapped
	// root must traverse to its rootfs.
	dir, err := os.MkdirTemp("", "nixlxc-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := &host{
		t:          t,
		dir:        dir,
		stateDir:   filepath.Join(dir, "state"),
		profileDir: filepath.Join(dir, "profiles"),
		hostConfig: filepath.Join(dir, "host.json"),
	}
	// The admin's allowlist of bind sources holds the test's own directory,
	// where tests make the host directories they bind; nothing else of the
	// host (tests that write a host.json of their own say so themselves).
	h.hostJSON(fmt.Sprintf(`{ "bindMountSources": [%q] }`, dir))
	h.env = append(os.Environ(),
		"NIXLXC_STATE_DIR="+h.stateDir,
		"NIXLXC_PROFILE_DIR="+h.profileDir,
		"NIXLXC_HOST_CONFIG="+h.hostConfig,
		// Never the host's /etc/nixlxc/config.json.
		"NIXLXC_CONFIG="+filepath.Join(dir, "config.json"),
		"NIX_PATH="+standin.NixPath(repoRoot),
	)
	t.Cleanup(func() {
		// Whatever a failing test left running goes, so no container
		// outlives its test (its monitor would outlive the test's network
		// namespace): nixlxc destroys it, or, when a test broke nixlxc's
		// records on purpose, liblxc's own tool stops it.
		lxcPath := filepath.Join(h.stateDir, "lxc")
		entries, _ := os.ReadDir(lxcPath)
		for _, e := range entries {
			if r := h.nixlxc("destroy", "--force", e.Name()); r.code != 0 {
				exec.Command("lxc-stop", "-k", "-P", lxcPath, "-n", e.Name()).Run()
			}
		}
		os.RemoveAll(dir)
	})
	return h
}

// busyboxInit makes the stand-in boot its busybox init instead of systemd,
// for tests that start many containers and are not about the guest.
func (h *host) busyboxInit() {
	h.env = append(h.env, "NIXLXC_STANDIN_INIT=busybox")
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
}

// nixlxc runs the binary under test.
func (h *host) nixlxc(args ...string) result {
	h.t.Helper()
	return h.nixlxcInput("", args...)
}

func (h *host) nixlxcInput(stdin string, args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	argv := append(append(append([]string{}, h.wrap...), binary), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = h.env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			h.t.Fatalf("running nixlxc %v: %v", args, err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// must runs nixlxc and fails the test unless it succeeds.
func (h *host) must(args ...string) string {
	h.t.Helper()
	r := h.nixlxc(args...)
	if r.code != 0 {
		h.t.Fatalf("nixlxc %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// fails runs nixlxc, expecting exit code want and a one-line error that
// mentions every word in mention.
func (h *host) fails(want int, mention []string, args ...string) result {
	h.t.Helper()
	r := h.nixlxc(args...)
	if r.code != want {
		h.t.Fatalf("nixlxc %s: got %s\nwant exit %d", strings.Join(args, " "), r, want)
	}
	msg := strings.TrimSpace(r.stderr)
	if msg == "" || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "nixlxc: ") {
		h.t.Errorf("nixlxc %s: error is not one line starting with \"nixlxc: \": %q", strings.Join(args, " "), r.stderr)
	}
	for _, m := range mention {
		if !strings.Contains(msg, m) {
			h.t.Errorf("nixlxc %s: error %q does not mention %q", strings.Join(args, " "), msg, m)
		}
	}
	return r
}

type listed struct {
	Name       string `json:"name"`
	State      string `json:"state"`
	IPv4       string `json:"ipv4"`
	IPv6       string `json:"ipv6"`
	Generation int    `json:"generation"`
	System     string `json:"system"`
}

func (h *host) list() []listed {
	h.t.Helper()
	r := h.nixlxc("list", "--json")
	var out []listed
	if r.code == 0 {
		json.Unmarshal([]byte(r.stdout), &out)
	}
	return out
}

// file writes a container config into the test's directory.
func (h *host) file(name, content string) string {
	h.t.Helper()
	p := filepath.Join(h.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return p
}

func example(name string) string { return filepath.Join(repoRoot, "examples", name) }

// initPID is the host pid of the container's init, from liblxc's own tool.
func (h *host) initPID(name string) int {
	h.t.Helper()
	out, err := exec.Command("lxc-info", "-P", filepath.Join(h.stateDir, "lxc"), "-n", name, "-p", "-H").Output()
	if err != nil {
		h.t.Fatalf("lxc-info %s: %v", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		h.t.Fatalf("lxc-info %s printed %q", name, out)
	}
	return pid
}

// hostUID is the real uid of a host process.
func hostUID(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "Uid:" {
			uid, _ := strconv.Atoi(f[1])
			return uid
		}
	}
	t.Fatalf("no Uid in /proc/%d/status", pid)
	return -1
}

// eventually retries check until it passes or the time is up: for things a
// container does on its own schedule (a service writing a file), never for
// asserting speed.
func eventually(t *testing.T, within time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// leftovers lists what of a container remains on the host.
func (h *host) leftovers(name string) []string {
	var left []string
	for _, p := range []string{
		filepath.Join(h.stateDir, "lxc", name),
		filepath.Join(h.profileDir, name),
		filepath.Join(h.stateDir, "locks", name+".lock"),
	} {
		if _, err := os.Lstat(p); err == nil {
			left = append(left, p)
		}
	}
	roots, _ := os.ReadDir("/nix/var/nix/gcroots/auto")
	for _, e := range roots {
		target, _ := os.Readlink(filepath.Join("/nix/var/nix/gcroots/auto", e.Name()))
		if strings.HasPrefix(target, filepath.Join(h.profileDir, name)+"/") {
			left = append(left, "GC root "+e.Name()+" -> "+target)
		}
	}
	return left
}

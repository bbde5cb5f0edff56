package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestContainerLifecycle walks one container through its whole life as a
// user would: create from an example, start, look at it from the host and
// from inside, stop cleanly, restart with its state intact, terminate,
// destroy, and find nothing left.
func TestContainerLifecycle(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)

	if out := h.must("list"); out != "" {
		t.Fatalf("list with no containers printed %q, want nothing", out)
	}
	out := h.must("create", "demo", example("hello.nix"))
	if !strings.Contains(out, "generation 1") {
		t.Errorf("create did not report generation 1: %q", out)
	}

	// Generation 1 of a plain Nix profile, as nix-env sees it.
	profile := filepath.Join(h.profileDir, "demo", "system")
	gens, err := exec.Command("nix-env", "-p", profile, "--list-generations").CombinedOutput()
	if err != nil || !strings.Contains(string(gens), "   1   ") || !strings.Contains(string(gens), "(current)") {
		t.Fatalf("nix-env --list-generations: %v\n%s", err, gens)
	}
	if _, err := os.Stat(filepath.Join(profile, "init")); err != nil {
		t.Errorf("the generation has no init: %v", err)
	}

	if r := h.nixlxc("exists", "demo"); r.code != 0 {
		t.Errorf("exists demo: %s", r)
	}
	if r := h.nixlxc("exists", "nope"); r.code != 1 || r.stdout != "" {
		t.Errorf("exists nope: %s, want exit 1 and no output", r)
	}
	if s := strings.TrimSpace(h.must("state", "demo")); s != "STOPPED" {
		t.Errorf("state after create = %q, want STOPPED", s)
	}
	if l := h.must("list"); !strings.HasPrefix(l, "demo ") || !strings.Contains(l, "STOPPED") {
		t.Errorf("list = %q, want a row starting with demo, STOPPED", l)
	}

	h.must("start", "demo")
	if s := strings.TrimSpace(h.must("state", "demo")); s != "RUNNING" {
		t.Fatalf("state after start = %q, want RUNNING", s)
	}
	pid := h.initPID("demo")
	if uid := hostUID(t, pid); uid < 100000 {
		t.Errorf("init runs as host uid %d, want an unprivileged subuid (>= 100000)", uid)
	}
	// Files the container writes belong to its mapped root on the host.
	rootfs := filepath.Join(h.stateDir, "lxc", "demo", "rootfs")
	eventually(t, 10*time.Second, "the heartbeat service writes its file", func() bool {
		_, err := os.Stat(filepath.Join(rootfs, "var/lib/heartbeat/now"))
		return err == nil
	})
	if owner := fileUID(t, filepath.Join(rootfs, "var/lib/heartbeat/now")); owner < 100000 {
		t.Errorf("a file the container wrote is owned by host uid %d", owner)
	}

	// run: the system's PATH, output and exit status pass through.
	if got := strings.TrimSpace(h.must("run", "demo", "--", "cat", "/etc/hostname")); got != "demo" {
		t.Errorf("hostname inside = %q, want demo", got)
	}
	if got := strings.TrimSpace(h.must("run", "demo", "--", "id", "-u")); got != "0" {
		t.Errorf("id -u inside = %q, want 0", got)
	}
	if got := h.must("run", "demo", "--", "cat", "/proc/self/uid_map"); !strings.Contains(strings.Join(strings.Fields(got), " "), "0 100000 65536") && !strings.Contains(got, "65536") {
		t.Errorf("uid_map inside = %q", got)
	}
	if got := h.must("run", "demo", "--", "cat", "/etc/motd"); got != "Welcome to demo.\n" {
		t.Errorf("/etc/motd = %q", got)
	}
	if r := h.nixlxc("run", "demo", "--", "sh", "-c", "echo out; echo err >&2; exit 7"); r.code != 7 || r.stdout != "out\n" || r.stderr != "err\n" {
		t.Errorf("run's exit status and output do not pass through: %s", r)
	}
	if r := h.nixlxc("run", "demo", "--", "no-such-command"); r.code != 127 {
		t.Errorf("a missing command: %s, want exit 127", r)
	}
	if r := h.nixlxcInput("piped\n", "run", "demo", "--", "cat"); r.stdout != "piped\n" {
		t.Errorf("stdin does not reach the command: %s", r)
	}
	// A nixlxc without its helper says so, in one line.
	lone := filepath.Join(h.dir, "nohelper", "nixlxc")
	if data, err := os.ReadFile(binary); err != nil || os.MkdirAll(filepath.Dir(lone), 0o755) != nil || os.WriteFile(lone, data, 0o755) != nil {
		t.Fatalf("copying nixlxc: %v", err)
	}
	missing := exec.Command(lone, "run", "demo", "--", "true")
	missing.Env = h.env
	if out, err := missing.CombinedOutput(); err == nil || strings.Count(string(out), "\n") != 1 || !strings.HasPrefix(string(out), "nixlxc: ") || !strings.Contains(string(out), "nixlxc-helper is missing") {
		t.Errorf("run without nixlxc-helper: %v, %q; want one line saying it is missing", err, out)
	}
	// login: root's login shell; the exit status passes through too.
	if r := h.nixlxcInput("echo in-$(hostname) $HOME; exit 3\n", "login", "demo"); r.code != 3 || !strings.Contains(r.stdout, "in-demo /root") {
		t.Errorf("login: %s, want the shell's output and its exit status 3", r)
	}
	// The command never gets the user's terminal (TIOCSTI could type into
	// the host shell): it runs without a controlling terminal...
	if r := h.nixlxc("run", "demo", "--", "sh", "-c", "exec 3</dev/tty"); r.code == 0 {
		t.Error("the command inside could open /dev/tty")
	}
	// ...and when only stdin is the user's terminal (its output to a
	// file), its terminal is a pty of the container's own, not the user's
	// (tty finds it in the container's /dev/pts), and ^C at the user's
	// terminal reaches it (TestRunNeverHandsOverTheTerminal has the rest).
	out1, out2 := filepath.Join(h.dir, "tty-out"), filepath.Join(h.dir, "int-out")
	session := exec.Command("script", "-qec", binary+" run demo -- sh -c 'tty; test -t 1 || echo NOT-A-TERMINAL' >"+out1, "/dev/null")
	session.Env = h.env
	if out, err := session.CombinedOutput(); err != nil {
		t.Errorf("at a terminal, output to a file: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(out1); !regexp.MustCompile(`^/dev/pts/[0-9]+\nNOT-A-TERMINAL\n$`).Match(got) {
		t.Errorf("at a terminal, with its output in a file, the command's stdin is not a pty of the container's own, or its stdout is not the file: %q", got)
	}
	intr := exec.Command("sh", "-c", "(sleep 1; printf '\\003'; sleep 1) | script -qec \""+binary+" run demo -- sh -c 'trap \\\"echo got-int; exit 5\\\" INT; echo ready; sleep 30 & wait' >"+out2+"\" /dev/null")
	intr.Env = h.env
	if err := intr.Run(); err == nil {
		t.Error("a command interrupted by ^C exited 0")
	}
	if got, _ := os.ReadFile(out2); string(got) != "ready\ngot-int\n" {
		t.Errorf("^C at the terminal did not reach the command: its output %q", got)
	}
	// ...and at a terminal it gets a pty of the container's own, relayed:
	// job control and ^C work inside, the exit status passes through.
	typed := "sleep 0.5; printf 'tty; sleep 30\\n'; sleep 0.5; printf '\\003'; sleep 0.3; printf 'echo after-int; exit 4\\n'; sleep 1"
	pty := exec.Command("sh", "-c", "("+typed+") | script -qec '"+binary+" login demo' /dev/null")
	pty.Env = h.env
	ptyOut, err := pty.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 4 || !strings.Contains(string(ptyOut), "/dev/pts/") || !strings.Contains(string(ptyOut), "after-int") {
		t.Errorf("login at a terminal: %v\n%s", err, ptyOut)
	}
	if r := h.nixlxc("run", "demo", "--", "sh", "-c", "kill -9 $$"); r.code != 137 {
		t.Errorf("a command killed by SIGKILL: %s, want exit 137", r)
	}
	if env := h.must("run", "demo", "--", "env"); strings.Contains(env, "NIXLXC_STATE_DIR") || !strings.Contains(env, "PATH=") {
		t.Errorf("the command's environment is not clean:\n%s", env)
	}

	// The host's store is shared read-only and cannot be remounted.
	if r := h.nixlxc("run", "demo", "--", "touch", "/nix/store/x"); r.code == 0 {
		t.Error("the container wrote into /nix/store")
	}
	if r := h.nixlxc("run", "demo", "--", "mount", "-o", "remount,rw", "/nix/store"); r.code == 0 {
		t.Error("the container remounted /nix/store read-write")
	}
	if mounts := h.must("run", "demo", "--", "cat", "/proc/mounts"); !hasROMount(mounts, "/nix/store") {
		t.Errorf("/nix/store is not mounted read-only:\n%s", mounts)
	}

	// State persists across a clean stop and a start.
	h.must("run", "demo", "--", "sh", "-c", "echo kept > /root/state")
	out = h.must("stop", "demo")
	if strings.Contains(out, "killing") {
		t.Errorf("stop had to kill the container: %q", out)
	}
	if s := strings.TrimSpace(h.must("state", "demo")); s != "STOPPED" {
		t.Errorf("state after stop = %q", s)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("init (pid %d) survived stop", pid)
	}
	if console, _ := os.ReadFile(filepath.Join(h.stateDir, "lxc", "demo", "console.log")); !strings.Contains(strings.ToLower(string(console)), "stop") {
		t.Errorf("the console shows no clean shutdown:\n%s", console)
	}
	h.must("start", "demo")
	if got := strings.TrimSpace(h.must("run", "demo", "--", "cat", "/root/state")); got != "kept" {
		t.Errorf("/root/state after restart = %q, want kept", got)
	}
	if r := h.nixlxc("start", "demo"); r.code != 0 {
		t.Errorf("starting a running container: %s, want success", r)
	}

	// A frozen container is not started over: that would tear its network
	// down under it.
	sh(t, "lxc-freeze", "-P", filepath.Join(h.stateDir, "lxc"), "-n", "demo")
	h.fails(5, []string{"demo", "FROZEN"}, "start", "demo")
	sh(t, "lxc-unfreeze", "-P", filepath.Join(h.stateDir, "lxc"), "-n", "demo")
	h.must("run", "demo", "--", "true")

	h.must("terminate", "demo")
	if s := strings.TrimSpace(h.must("state", "demo")); s != "STOPPED" {
		t.Errorf("state after terminate = %q", s)
	}

	// destroy refuses a running container unless forced, then leaves nothing.
	h.must("start", "demo")
	pid = h.initPID("demo")
	h.fails(5, []string{"demo", "running", "--force"}, "destroy", "demo")
	h.must("destroy", "--force", "demo")
	if left := h.leftovers("demo"); len(left) > 0 {
		t.Errorf("destroy left: %v", left)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("init (pid %d) survived destroy", pid)
	}
	if r := h.nixlxc("exists", "demo"); r.code != 1 {
		t.Errorf("exists after destroy: %s", r)
	}
	if out := h.must("list"); out != "" {
		t.Errorf("list after destroy = %q, want nothing", out)
	}
}

func fileUID(t *testing.T, path string) int {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return int(statUID(st))
}

func hasROMount(mounts, target string) bool {
	for _, l := range strings.Split(mounts, "\n") {
		f := strings.Fields(l)
		if len(f) >= 4 && f[1] == target {
			for _, o := range strings.Split(f[3], ",") {
				if o == "ro" {
					return true
				}
			}
		}
	}
	return false
}

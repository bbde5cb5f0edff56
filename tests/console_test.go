package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestConsole: console relays the container's /dev/console to the user's
// terminal: a shell there answers what is typed, Ctrl-a q detaches (exit
// 0) and gives the terminal back as it was, and no process of the
// container ever holds the user's terminal.
func TestConsole(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	cfg := h.file("console.nix", `{ configuration = { pkgs, ... }: {
  systemd.services.console-shell = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      ExecStart = "${pkgs.busybox}/bin/sh -i";
      StandardInput = "tty";
      StandardOutput = "tty";
      StandardError = "tty";
      TTYPath = "/dev/console";
      Restart = "always";
    };
  };
}; }`)
	h.must("create", "dcons", cfg)
	h.fails(5, []string{"dcons", "STOPPED"}, "console", "dcons")
	h.must("start", "dcons")
	h.fails(2, []string{"escape"}, "console", "--escape", "7", "dcons")

	master, slave, slavePath := openTestPty(t)
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "console", "dcons")
	cmd.Env = h.env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var screen strings.Builder
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	shown := func() string { mu.Lock(); defer mu.Unlock(); return screen.String() }
	eventually(t, 20*time.Second, "the banner", func() bool { return strings.Contains(shown(), "Ctrl-a q to detach") })
	// The shell on the console computes what it is asked: the answer is
	// not an echo of the keys.
	eventually(t, 30*time.Second, "the console's shell answers", func() bool {
		master.Write([]byte("echo con$((6*7))sole\r"))
		time.Sleep(300 * time.Millisecond)
		return strings.Contains(shown(), "con42sole")
	})

	// Nothing in the container holds the user's terminal (TIOCSTI there
	// would type into the host shell).
	// (Compared as files: the container's own ptys have paths like it.)
	terminal, err := slave.Stat()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range containerProcesses(t, "dcons") {
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", p))
		for _, fd := range fds {
			if st, err := os.Stat(fd); err == nil && os.SameFile(st, terminal) {
				t.Errorf("container process %d holds the user's terminal %s as %s", p, slavePath, fd)
			}
		}
	}

	master.Write([]byte("\x01q"))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("console after Ctrl-a q: %v\n%q", err, shown())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("Ctrl-a q did not detach:\n%q", shown())
	}
	after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		t.Errorf("the terminal was not restored: lflag %#x iflag %#x oflag %#x, was %#x %#x %#x",
			after.Lflag, after.Iflag, after.Oflag, before.Lflag, before.Iflag, before.Oflag)
	}
	if h.state("dcons") != "RUNNING" {
		t.Error("detaching stopped the container")
	}
}

// openTestPty opens a pty pair on the host's devpts, as a user's terminal.
func openTestPty(t *testing.T) (master, slave *os.File, slavePath string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slavePath = "/dev/pts/" + strconv.Itoa(n)
	s, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s, slavePath
}

// containerProcesses are the host pids of the processes in the container's
// cgroup.
func containerProcesses(t *testing.T, name string) []int {
	t.Helper()
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		if err == nil && (strings.Contains(string(cg), "/lxc.payload."+name+"\n") || strings.Contains(string(cg), "/lxc.payload."+name+"/")) {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		t.Fatalf("no process of %s found", name)
	}
	return pids
}

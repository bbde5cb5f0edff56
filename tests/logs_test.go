package tests

import (
	"bufio"
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/internal/testenv"
)

// TestLogs: logs shows the console log and the journal of a systemd
// guest, cleaned of escape sequences; logs -f shows a line a service
// writes after the call began, and ^C ends it without an error.
func TestLogs(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	cfg := h.file("logs.nix", `{ configuration = { pkgs, ... }: {
  systemd.services.greeter.script = ''
    echo "greeter says hello"
    printf 'sneaky \033]0;retitled\007 title\n'
  '';
  systemd.services.booter = { wantedBy = [ "multi-user.target" ]; script = "echo booter was here"; };
  systemd.services.before.script = "echo before the call";
}; }`)
	h.must("create", "dlogs", cfg)
	h.must("start", "dlogs")

	out := h.must("logs", "-n", "all", "dlogs")
	for _, want := range []string{"Reached target", "booter was here"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lacks %q:\n%s", want, out)
		}
	}
	// Each log's last lines: the console's and the journal's.
	if n := strings.Count(h.must("logs", "-n", "2", "dlogs"), "\n"); n == 0 || n > 4 {
		t.Errorf("logs -n 2 printed %d lines", n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The journal's last lines when the call begins: a service's, just now.
	h.must("run", "dlogs", "--", "systemctl", "start", "before")
	cmd := exec.CommandContext(ctx, binary, "logs", "-f", "-n", "10", "dlogs")
	cmd.Env = h.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var seen []string
	waitFor := func(what string) bool {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Errorf("logs -f ended before %q: %s\n%s", what, stderr.String(), strings.Join(seen, "\n"))
					return false
				}
				seen = append(seen, l)
				if strings.Contains(l, what) {
					return true
				}
			case <-deadline:
				t.Errorf("logs -f did not show %q:\n%s", what, strings.Join(seen, "\n"))
				return false
			}
		}
	}
	// The journal is being read once its history shows.
	if waitFor("before the call") {
		if strings.Contains(strings.Join(seen, "\n"), "greeter says") {
			t.Fatal("the greeter spoke before it was started")
		}
		h.must("run", "dlogs", "--", "systemctl", "start", "greeter")
		waitFor("greeter says hello")
		waitFor("sneaky")
	}
	cmd.Process.Signal(syscall.SIGINT)
	for l := range lines {
		seen = append(seen, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("logs -f ended by ^C: %v: %s", err, stderr.String())
	}
	for _, l := range seen {
		if strings.ContainsAny(l, "\x1b\x07") || strings.Contains(l, "retitled\x07") {
			t.Errorf("a control character passed: %q", l)
		}
	}

	// A container cannot hold logs for ever: a journalctl of its own that
	// ignores SIGTERM and leaves a process holding the output behind
	// still lets nixlxc logs end at SIGTERM.
	h.must("run", "dlogs", "--", "sh", "-c", `mkdir -p /run/wrappers/bin && printf '#!/bin/sh\ntrap "" TERM\necho planted\nsleep 1000 &\nwhile :; do sleep 1; done\n' > /run/wrappers/bin/journalctl && chmod +x /run/wrappers/bin/journalctl`)
	hang := exec.Command(binary, "logs", "-n", "1", "dlogs")
	hang.Env = h.env
	var hangOut testenv.Buffer
	hang.Stdout, hang.Stderr = &hangOut, &hangOut
	if err := hang.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the planted journalctl runs", func() bool { return strings.Contains(hangOut.String(), "planted") })
	hang.Process.Signal(syscall.SIGTERM)
	ended := make(chan error, 1)
	go func() { ended <- hang.Wait() }()
	select {
	case <-ended:
	case <-time.After(2 * time.Minute):
		hang.Process.Kill()
		t.Errorf("nixlxc logs did not end at SIGTERM while the container's journalctl held it:\n%s", hangOut.String())
	}
	h.must("run", "dlogs", "--", "rm", "/run/wrappers/bin/journalctl")

	// A stopped container still has its console log.
	h.must("stop", "dlogs")
	if out := h.must("logs", "dlogs"); !strings.Contains(out, "Reached target") {
		t.Errorf("logs of a stopped container:\n%s", out)
	}
	h.fails(3, []string{"nope"}, "logs", "nope")
	h.fails(2, []string{"-n"}, "logs", "-n", "-1", "dlogs")
}

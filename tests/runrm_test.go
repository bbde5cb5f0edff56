package tests

import (
	"strings"
	"syscall"
	"testing"
)

// TestRunRm: nixlxc run --rm --config FILE -- CMD runs the command in a
// throwaway ephemeral container and removes it whatever the command's exit
// status, and on ^C; the command's output is stdout alone.
func TestRunRm(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	file := h.file("throwaway.nix", `{ network.enableNat = true; configuration = { ... }: { environment.etc."motd".text = "thrown away"; }; }`)

	r := h.nixlxc("run", "--rm", "--config", file, "--", "sh", "-c", "cat /etc/motd; echo; echo to-stderr >&2; exit 3")
	if r.code != 3 || r.stdout != "thrown away\n" || !strings.Contains(r.stderr, "to-stderr") {
		t.Errorf("run --rm: %s", r)
	}
	if !strings.Contains(r.stderr, "created rm-") || !strings.Contains(r.stderr, "destroyed rm-") {
		t.Errorf("nixlxc's own messages are not on stderr: %q", r.stderr)
	}
	if l := h.list(); len(l) != 0 {
		t.Errorf("run --rm left %+v", l)
	}
	if r := h.nixlxc("run", "--rm", "--config", file, "--", "true"); r.code != 0 || r.stdout != "" {
		t.Errorf("run --rm true: %s", r)
	}

	// ^C reaches the command; the container goes all the same.
	r = h.interrupt(syscall.SIGINT, "ready", "run", "--rm", "--config", file, "--", "sh", "-c", "echo ready; exec sleep 60")
	if r.code != 130 {
		t.Errorf("run --rm interrupted: %s, want exit 130", r)
	}
	// A nixlxc killed outright (SIGKILL) leaves its throwaway container
	// running: doctor finds it and --repair destroys it.
	r = h.interrupt(syscall.SIGKILL, "ready", "run", "--rm", "--config", file, "--", "sh", "-c", "echo ready; exec sleep 60")
	if l := h.list(); len(l) != 1 || !strings.HasPrefix(l[0].Name, "rm-") || l[0].State != "RUNNING" {
		t.Fatalf("after a SIGKILL of run --rm: %+v (%s)", l, r)
	}
	if f := h.doctor(false); len(f) != 1 || !strings.Contains(f[0].Problem, "throwaway container of a nixlxc run --rm that is gone") {
		t.Errorf("doctor after a SIGKILL of run --rm: %+v", f)
	}
	if f := h.doctor(true); len(f) != 1 || !f[0].Repaired {
		t.Errorf("doctor --repair after a SIGKILL of run --rm: %+v", f)
	}
	if l := h.list(); len(l) != 0 {
		t.Errorf("doctor --repair left %+v", l)
	}
	// ^C while it is being made: it is undone.
	r = h.interruptStderr(syscall.SIGINT, "building", "run", "--rm", "--config", h.file("slow.nix", `{ configuration = { pkgs, ... }: {
  environment.etc.slow.source = pkgs.runCommand "slow-build" { } "sleep 30; echo `+h.dir+` > $out";
}; }`), "--", "true")
	if r.code != 130 || !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("run --rm interrupted while creating: %s, want exit 130", r)
	}
	if l := h.list(); len(l) != 0 {
		t.Errorf("interrupted runs left %+v", l)
	}
	if left := strings.TrimSpace(h.must("doctor")); !strings.Contains(left, "nothing to repair") {
		t.Errorf("doctor after the runs: %s", left)
	}
	// A file that does not build leaves nothing either.
	// (nixlxc's progress is on stderr too, before the error's one line.)
	r = h.nixlxc("run", "--rm", "--config", h.file("bad.nix", `{ ... }: throw "boom"`), "--", "true")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if last := lines[len(lines)-1]; r.code != 7 || !strings.HasPrefix(last, "nixlxc: ") || !strings.Contains(last, "boom") || r.stdout != "" {
		t.Errorf("run --rm of a file that does not build: %s", r)
	}
	if l := h.list(); len(l) != 0 {
		t.Errorf("a failed run --rm left %+v", l)
	}
}

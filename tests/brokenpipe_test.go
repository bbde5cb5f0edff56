package tests

import (
	"os"
	"os/exec"
	"testing"
)

// TestBrokenPipe: a reader that goes away (`nixlxc create ... | head -1`)
// does not kill nixlxc half-way: create finishes, run --rm removes its
// throwaway container, and nothing is left for doctor.
func TestBrokenPipe(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	closed := func(args ...string) int {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		defer w.Close()
		cmd := exec.Command(binary, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = h.env, w, w
		err = cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		} else if err != nil {
			t.Fatalf("running nixlxc %v: %v", args, err)
		}
		return 0
	}
	file := h.file("bp.nix", `{ network.enableNat = true; configuration = { ... }: { environment.etc.bp.text = "`+h.dir+`"; }; }`)
	if code := closed("create", "bpipe", file); code != 0 {
		t.Errorf("create with its output closed exited %d", code)
	}
	if h.nixlxc("exists", "bpipe").code != 0 || h.state("bpipe") != "STOPPED" {
		t.Errorf("create with its output closed did not make the container")
	}
	h.must("destroy", "bpipe")
	closed("run", "--rm", "--config", file, "--", "sh", "-c", "echo one; echo two")
	if l := h.list(); len(l) != 0 {
		t.Errorf("run --rm with its output closed left %+v", l)
	}
	if left := h.leftovers("bpipe"); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
	if f := h.doctor(false); len(f) > 0 {
		t.Errorf("doctor after broken pipes: %+v", f)
	}
}

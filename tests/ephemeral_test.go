package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEphemeral: an ephemeral container's files are gone after a restart
// while its generations stay (`ephemeral = true` and `create --ephemeral`,
// which updates keep); one that stops on its own leaves its in-memory root
// for doctor to find; destroy unmounts it, and still refuses a host
// directory mounted inside it.
func TestEphemeral(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	file := h.file("eph.nix", `{ ephemeral = true; configuration = { ... }: { environment.etc."motd".text = "one"; }; }`)
	h.must("create", "ephfile", file)
	h.must("create", "--ephemeral", "ephflag", example("hello.nix"))
	root := func(name string) string { return filepath.Join(h.stateDir, "lxc", name, "rootfs") }

	for _, name := range []string{"ephfile", "ephflag"} {
		h.must("start", name)
		h.must("run", name, "--", "sh", "-c", "echo kept? > /root/note; mkdir -p /var/lib/x; echo y > /var/lib/x/y")
		if got := h.must("run", name, "--", "cat", "/root/note"); got != "kept?\n" {
			t.Fatalf("%s: the file was not written: %q", name, got)
		}
		if _, err := os.Stat(filepath.Join(root(name), "root/note")); err != nil {
			t.Errorf("%s: the file is not in its root on the host: %v", name, err)
		}
		h.must("stop", name)
		if _, err := os.Stat(filepath.Join(root(name), "root/note")); err == nil {
			t.Errorf("%s: the file is still there after stop", name)
		}
		if mounts := readFile(t, "/proc/self/mountinfo"); strings.Contains(mounts, root(name)) {
			t.Errorf("%s: its root is still mounted after stop", name)
		}
		h.must("start", name)
		if r := h.nixlxc("run", name, "--", "cat", "/root/note", "/var/lib/x/y"); r.code == 0 {
			t.Errorf("%s: a file of the last run survived a restart: %s", name, r)
		}
		if got := strings.TrimSpace(h.must("run", name, "--", "cat", "/etc/hostname")); got != name {
			t.Errorf("%s: after a restart its system is not set up: hostname %q", name, got)
		}
	}
	// Generations stay, and --ephemeral holds for the next build.
	h.must("update", "ephflag", h.file("hello2.nix", `{ ... }: { environment.etc."motd".text = "two"; }`))
	h.must("stop", "ephflag")
	h.must("start", "ephflag")
	if gens := h.must("list-generations", "ephflag"); strings.Count(gens, "\n") != 2 || !strings.Contains(gens, "2 ") {
		t.Errorf("generations after an update and a restart:\n%s", gens)
	}
	if got := h.must("run", "ephflag", "--", "cat", "/etc/motd"); got != "two" {
		t.Errorf("after the update and a restart motd is %q", got)
	}
	h.must("run", "ephflag", "--", "touch", "/root/again")
	h.must("stop", "ephflag")
	h.must("start", "ephflag")
	if r := h.nixlxc("run", "ephflag", "--", "ls", "/root/again"); r.code == 0 {
		t.Error("an update made --ephemeral forgotten")
	}

	// It stops on its own (busybox init halts on SIGPWR): the in-memory
	// root stays mounted until doctor repairs it.
	h.must("run", "ephfile", "--", "kill", "-PWR", "1")
	eventually(t, 30*time.Second, "ephfile stops", func() bool { return h.state("ephfile") == "STOPPED" })
	r := h.nixlxc("doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "ephfile: stopped, with its in-memory root still mounted") {
		t.Errorf("doctor: %s", r)
	}
	h.must("doctor", "--repair")
	h.must("doctor")
	if mounts := readFile(t, "/proc/self/mountinfo"); strings.Contains(mounts, root("ephfile")) {
		t.Error("doctor --repair left the root mounted")
	}

	// A host directory someone mounted inside the in-memory root is the
	// host's: destroy refuses; without it, destroy unmounts and removes.
	outside := filepath.Join(h.dir, "outside")
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "precious"), []byte("keep"), 0o644)
	target := filepath.Join(root("ephflag"), "mnt")
	os.MkdirAll(target, 0o755)
	sh(t, "mount", "--bind", outside, target)
	h.fails(1, []string{"mounted", target}, "destroy", "--force", "ephflag")
	sh(t, "umount", target)
	h.must("destroy", "--force", "ephflag")
	if _, err := os.Stat(filepath.Join(outside, "precious")); err != nil {
		t.Errorf("the host's file: %v", err)
	}
	h.must("destroy", "ephfile")
	if mounts := readFile(t, "/proc/self/mountinfo"); strings.Contains(mounts, h.stateDir) {
		t.Errorf("mounts left in the state directory:\n%s", mounts)
	}
}

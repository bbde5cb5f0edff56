package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecSeccomp: every container runs under nixlxc's seccomp policy, a
// file anyone can read, and so do the commands run in it: loading a kernel
// or a module, opening files by handle, the kernel keyring and forced
// unmounts fail inside (issue 10, item 12).
func TestSecSeccomp(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	probeDir := filepath.Join(h.dir, "probe")
	os.MkdirAll(probeDir, 0o755)
	build := exec.Command("go", "build", "-o", filepath.Join(probeDir, "seccompprobe"), "./tests/seccompprobe")
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the probe: %v\n%s", err, out)
	}
	h.must("create", "scsec", example("hello.nix"))
	// The probe goes into the container's /tmp.
	data, err := os.ReadFile(filepath.Join(probeDir, "seccompprobe"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.stateDir, "lxc", "scsec", "rootfs", "tmp", "seccompprobe"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	h.must("start", "scsec")

	policy := filepath.Join(h.stateDir, "nixlxc.seccomp")
	st, err := os.Stat(policy)
	if err != nil || st.Mode().Perm()&0o004 == 0 {
		t.Errorf("the seccomp policy %s is not there for everyone to read: %v", policy, err)
	}
	config, _ := os.ReadFile(filepath.Join(h.stateDir, "lxc", "scsec", "config"))
	if !strings.Contains(string(config), "lxc.seccomp.profile = "+policy+"\n") {
		t.Errorf("the LXC config does not name the policy:\n%s", config)
	}

	out := h.must("run", "scsec", "--", "/tmp/seccompprobe")
	want := map[string]string{
		"getpid":            "ok",
		"kexec_load":        "ENOSYS",
		"kexec_file_load":   "ENOSYS",
		"init_module":       "ENOSYS",
		"finit_module":      "ENOSYS",
		"delete_module":     "ENOSYS",
		"open_by_handle_at": "ENOSYS",
		"keyctl":            "ENOSYS",
		"add_key":           "ENOSYS",
		"request_key":       "ENOSYS",
		"umount2_force":     "EACCES",
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 {
			got[f[0]] = f[1]
		}
	}
	for call, w := range want {
		if got[call] != w {
			t.Errorf("%s inside the container: %s, want %s", call, got[call], w)
		}
	}
	// init (and so every service) runs filtered, not only what nixlxc
	// attaches.
	for _, pid := range []string{"1", "self"} {
		status := h.must("run", "scsec", "--", "cat", "/proc/"+pid+"/status")
		if !strings.Contains(status, "Seccomp:\t2") {
			t.Errorf("/proc/%s/status inside has no seccomp filter:\n%s", pid, status)
		}
	}
	h.must("destroy", "--force", "scsec")
}

package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// lxcRootfsMountDirs are where distributions' LXC builds put their default
// lxc.rootfs.mount (LXC's rootfs-mount-path: <libdir>/lxc/rootfs). Debian's
// is the first.
var lxcRootfsMountDirs = []string{"/usr/lib/x86_64-linux-gnu/lxc", "/usr/lib/lxc", "/usr/lib64/lxc"}

// TestRootfsMountOwnDirectory: containers start on a host whose LXC build
// has no directory at its default lxc.rootfs.mount, as on NixOS (nixpkgs'
// LXC points it at /var/lib/lxc/rootfs, which only virtualisation.lxc
// creates). This test's mount namespace hides the host LXC's own directory;
// nixlxc renders lxc.rootfs.mount under its state directory and creates it,
// again when it has gone.
func TestRootfsMountOwnDirectory(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	for _, d := range lxcRootfsMountDirs {
		if _, err := os.Stat(filepath.Join(d, "rootfs")); err != nil {
			continue
		}
		// An empty tmpfs over it, in this test's mount namespace only.
		if err := unix.Mount("tmpfs", d, "tmpfs", 0, "mode=0755,size=64k"); err != nil {
			t.Fatalf("hiding %s: %v", d, err)
		}
		if _, err := os.Stat(filepath.Join(d, "rootfs")); err == nil {
			t.Fatalf("%s/rootfs is still there", d)
		}
	}

	h.must("create", "nhrootmnt", example("hello.nix"))
	mount := filepath.Join(h.stateDir, "rootfs-mount")
	config := readFile(t, filepath.Join(h.stateDir, "lxc", "nhrootmnt", "config"))
	if !strings.Contains(config, "\nlxc.rootfs.mount = "+mount+"\n") {
		t.Fatalf("the LXC config does not set lxc.rootfs.mount = %s:\n%s", mount, config)
	}
	h.must("start", "nhrootmnt")
	if got := strings.TrimSpace(h.must("run", "nhrootmnt", "--", "cat", "/etc/hostname")); got != "nhrootmnt" {
		t.Errorf("hostname inside = %q", got)
	}
	h.must("stop", "nhrootmnt")

	// A state directory whose rootfs-mount went missing gets it back.
	if err := os.Remove(mount); err != nil {
		t.Fatal(err)
	}
	h.must("start", "nhrootmnt")
	if st, err := os.Stat(mount); err != nil || !st.IsDir() {
		t.Errorf("%s after start: %v", mount, err)
	}
	h.must("destroy", "--force", "nhrootmnt")
}

// TestNixTooOldForNixpkgs: a nixpkgs whose lib/minver.nix asks for a newer
// Nix than the installed one (current nixpkgs asks for 2.18; Debian 12 has
// 2.8) stops create and update before anything is evaluated or built, with
// one line naming both versions, exit 7, and nothing changed. The nixpkgs
// comes from -n or NIX_PATH, as the build's would.
func TestNixTooOldForNixpkgs(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	out, err := exec.Command("nix-instantiate", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(out))
	installed := fields[len(fields)-1] // "nix-instantiate (Nix) 2.8.0"
	fake := filepath.Join(h.dir, "nixpkgs-99")
	if err := os.MkdirAll(filepath.Join(fake, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fake, "lib/minver.nix"), []byte("\"99.0\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mention := []string{"Nix 99.0 or newer", "Nix " + installed, fake, "install Nix 99.0"}

	r := h.fails(7, mention, "create", "nhminver", example("hello.nix"), "-n", "-I nixpkgs="+fake)
	if strings.Contains(r.stdout, "building") {
		t.Errorf("create went on to build: %q", r.stdout)
	}
	if left := h.leftovers("nhminver"); len(left) > 0 {
		t.Errorf("a refused create left %v", left)
	}
	// The same through NIX_PATH.
	env := h.env
	h.env = append(append([]string{}, env...), "NIX_PATH=nixpkgs="+fake)
	h.fails(7, mention, "create", "nhminver", example("hello.nix"))
	h.env = env

	// update: the container stays at its generation.
	h.must("create", "nhminver", example("hello.nix"))
	h.fails(7, mention, "update", "nhminver", example("webserver.nix"), "-n", "-I nixpkgs="+fake)
	if gens := h.must("list-generations", "nhminver"); strings.Count(strings.TrimSpace(gens), "\n") != 0 || !strings.Contains(gens, "(current)") {
		t.Errorf("generations after a refused update:\n%s", gens)
	}
	h.must("destroy", "nhminver")
}

// TestThrowInModuleIsTheError: a configuration whose module throws fails
// with the thrown message as the one-line error (not Nix's exit status),
// exit 7, nothing left. Nix 2.8 here prints `error: MESSAGE`; the layout of
// Nix 2.13+ is covered by nixsys' unit tests.
func TestThrowInModuleIsTheError(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.file("throwing-module.nix", `{ lib, ... }: {
  environment.etc."frob".text = throw "nixlxc-test: the frobnicator needs a widget";
}
`)
	file := h.file("throws.nix", `{ pkgs, ... }: { imports = [ ./throwing-module.nix ]; }`)
	r := h.fails(7, []string{"nixlxc-test: the frobnicator needs a widget"}, "create", "nhthrow", file)
	if strings.Contains(r.stderr, "exit status") {
		t.Errorf("the error is Nix's exit status: %q", r.stderr)
	}
	if left := h.leftovers("nhthrow"); len(left) > 0 {
		t.Errorf("a failed create left %v", left)
	}
}

// hostCgroupV2 reports whether the host runs the unified hierarchy only.
func hostCgroupV2(t *testing.T) bool {
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		t.Fatal(err)
	}
	return st.Type == unix.CGROUP2_SUPER_MAGIC
}

// initCmdline is the container's PID 1 command line, as the host sees it.
func (h *host) initCmdline(name string) string {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(h.initPID(name)), "cmdline"))
	if err != nil {
		h.t.Fatal(err)
	}
	return strings.ReplaceAll(strings.TrimRight(string(data), "\x00"), "\x00", " ")
}

// TestGuestSystemdOnCgroupLayout: a system's systemd version (from the
// store path name of its `systemd` link, as NixOS's toplevel has it)
// decides how it starts on this host. On cgroup v1 or hybrid (Debian 12
// here): systemd 256-257 get SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 on PID 1's
// command line, systemd 258 is refused with one line before anything
// starts, and an update to another systemd changes the next start's init
// command. On cgroup v2 nothing changes. The stand-in's busybox init boots
// in every case: only the link's name is systemd's.
func TestGuestSystemdOnCgroupLayout(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit() // the systemd link below names a version; busybox boots
	v1 := !hostCgroupV2(t)
	config := func(version string) string {
		return h.file("systemd-"+version+".nix", `{ pkgs, ... }: {
  system.extraSystemBuilderCmds = "ln -sfn ${pkgs.runCommand "systemd-`+version+`" { } "mkdir $out"} $out/systemd";
}
`)
	}
	const force = "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1"

	h.must("create", "nhsd257", config("257.3"))
	h.must("start", "nhsd257")
	if got := h.initCmdline("nhsd257"); strings.Contains(got, force) != v1 {
		t.Errorf("systemd 257, cgroup v1 %v: PID 1's command line is %q", v1, got)
	}

	h.must("create", "nhsd258", config("258.1"))
	if v1 {
		h.fails(1, []string{"nhsd258", "systemd 258", "cgroup v1", "cgroup v2"}, "start", "nhsd258")
		if s := strings.TrimSpace(h.must("state", "nhsd258")); s != "STOPPED" {
			t.Errorf("a refused start left it %s", s)
		}
	} else {
		h.must("start", "nhsd258")
	}

	// The init command follows the current system across an update.
	h.must("create", "nhsdupd", config("252"))
	h.must("start", "nhsdupd")
	if got := h.initCmdline("nhsdupd"); strings.Contains(got, force) {
		t.Errorf("systemd 252: PID 1's command line is %q", got)
	}
	h.must("stop", "nhsdupd")
	h.must("update", "nhsdupd", config("256.8"))
	h.must("start", "nhsdupd")
	if got := h.initCmdline("nhsdupd"); strings.Contains(got, force) != v1 {
		t.Errorf("updated to systemd 256, cgroup v1 %v: PID 1's command line is %q", v1, got)
	}
	// And when nix-env moves the profile behind nixlxc's back.
	h.must("stop", "nhsdupd")
	profile := filepath.Join(h.profileDir, "nhsdupd", "system")
	if out, err := exec.Command("nix-env", "-p", profile, "--switch-generation", "1").CombinedOutput(); err != nil {
		t.Fatalf("nix-env --switch-generation 1: %v\n%s", err, out)
	}
	h.must("start", "nhsdupd")
	if got := h.initCmdline("nhsdupd"); strings.Contains(got, force) {
		t.Errorf("back to systemd 252 with nix-env: PID 1's command line is %q", got)
	}
}

// TestStartRestoresFlushedRuleset: NixOS's networking.nftables flushes the
// whole ruleset on every reload, nixlxc's tables with it, and containers
// lose NAT. The next start notices (one netlink query, even when the
// container's LXC config needs no new rendering) and sets the host's
// network up again: NAT works again for every container.
func TestStartRestoresFlushedRuleset(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	newUpstream(t)
	h.hostJSON(`{ "internetInterface": "up0" }`)
	nat := h.file("nat.nix", `{ network.enableNat = true; configuration = { ... }: { }; }`)
	h.must("create", "nhflrun", nat)
	h.must("create", "nhflnext", nat)
	// nhflnext starts once, so its next start finds its config current.
	h.must("start", "nhflnext")
	h.must("stop", "nhflnext")
	h.must("start", "nhflrun")
	if !h.ping("nhflrun", upstreamV4) {
		t.Fatal("NAT does not work before the flush")
	}

	sh(t, "nft", "flush", "ruleset")
	if h.ping("nhflrun", upstreamV4) {
		t.Fatal("NAT still works after the ruleset was flushed: the test shows nothing")
	}

	h.must("start", "nhflnext")
	if out := sh(t, "nft", "list", "tables"); !strings.Contains(out, "table inet nixlxc") {
		t.Errorf("after a start, the tables are: %q", out)
	}
	if !h.ping("nhflnext", upstreamV4) {
		t.Error("the started container has no NAT")
	}
	if !h.ping("nhflrun", upstreamV4) {
		t.Error("the container that kept running has no NAT")
	}
}

// TestInstallationConfigFile: with the installation's locations in a config
// file (what the NixOS module writes to /etc/nixlxc/config.json) and no
// NIXLXC_* variables (as under sudo or in a service), every command finds
// the installation.
func TestInstallationConfigFile(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	config := h.file("config.json", `{ "stateDir": "`+h.stateDir+`", "profileDir": "`+h.profileDir+`", "hostConfig": "`+h.hostConfig+`" }`)
	var env []string
	for _, kv := range h.env {
		if !strings.HasPrefix(kv, "NIXLXC_") {
			env = append(env, kv)
		}
	}
	h.env = append(env, "NIXLXC_CONFIG="+config)

	h.must("create", "nhcfg", example("hello.nix"))
	if _, err := os.Stat(filepath.Join(h.stateDir, "lxc", "nhcfg", "config")); err != nil {
		t.Fatalf("the container is not in the config file's stateDir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(h.profileDir, "nhcfg", "system")); err != nil {
		t.Fatalf("the profile is not in the config file's profileDir: %v", err)
	}
	h.must("start", "nhcfg")
	if got := strings.TrimSpace(h.must("run", "nhcfg", "--", "cat", "/etc/hostname")); got != "nhcfg" {
		t.Errorf("hostname inside = %q", got)
	}
	if l := h.list(); len(l) != 1 || l[0].Name != "nhcfg" || l[0].State != "RUNNING" {
		t.Errorf("list: %+v", l)
	}
	h.must("destroy", "--force", "nhcfg")
}

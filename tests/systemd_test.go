package tests

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The guest side under real systemd: the stand-in boots Debian's systemd
// (relocated into the store) as the containers' PID 1, as a real NixOS
// system boots nixpkgs' systemd.

// inside runs a command in the container and returns its trimmed output,
// failing the test unless it succeeds.
func (h *host) inside(name string, argv ...string) string {
	h.t.Helper()
	return strings.TrimSpace(h.must(append([]string{"run", name, "--"}, argv...)...))
}

// bootedMark is the file a container's system writes once it has booted.
func (h *host) bootedMark(name string) string {
	return filepath.Join(h.stateDir, "lxc", name, "run", "booted")
}

// TestSystemdGuest boots the examples and a hardened service with systemd
// as PID 1 and checks what a user would: systemd runs and says the system
// is running, the journal has the boot, start returned only once
// multi-user.target was reached, the container's root is an unprivileged
// host uid while the store shows as root's inside, sandboxing works, Nix
// says it is disabled, a reboot takes the booted mark away first, and a
// stop is systemd's clean shutdown.
func TestSystemdGuest(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)

	h.must("create", "sdweb", example("webserver.nix"))
	h.must("create", "sdhello", example("hello.nix"))
	for _, name := range []string{"sdweb", "sdhello"} {
		h.must("start", name)
		// start returned only after multi-user.target was reached, and
		// the unit that says so ran.
		if got := h.inside(name, "systemctl", "is-active", "multi-user.target", "nixlxc-booted.service"); got != "active\nactive" {
			t.Errorf("%s: right after start, multi-user.target and nixlxc-booted are %q", name, got)
		}
		if got := h.inside(name, "cat", "/proc/1/comm"); got != "systemd" {
			t.Errorf("%s: PID 1 is %q, want systemd", name, got)
		}
		pid := h.initPID(name)
		exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
		if err != nil || !strings.HasPrefix(exe, "/nix/store/") || !strings.Contains(exe, "-systemd-252") || !strings.HasSuffix(exe, "/lib/systemd/systemd") {
			t.Errorf("%s: PID 1 runs %q (%v), want the store's systemd", name, exe, err)
		}
		if uid := hostUID(t, pid); uid < 100000 {
			t.Errorf("%s: PID 1 is host uid %d, want a subordinate uid", name, uid)
		}
		eventually(t, 10*time.Second, name+" says it is running", func() bool {
			return h.systemState(name) == "running"
		})
		if journal := h.inside(name, "journalctl", "-b", "--no-pager"); !strings.Contains(journal, "Reached target multi-user.target") {
			t.Errorf("%s: the journal does not show the boot:\n%s", name, journal)
		}
	}
	// The toplevel links its systemd, as NixOS's does, under a name with
	// its version.
	gens := h.generations("sdweb")
	if target, err := os.Readlink(filepath.Join(gens[0].Path, "systemd")); err != nil || !strings.Contains(target, "-systemd-252.") {
		t.Errorf("the system's systemd link is %q (%v)", target, err)
	}
	ip := h.ip("sdweb")
	if got := httpGet("http://" + ip + "/"); !strings.Contains(got, "Hello from sdweb") {
		t.Errorf("the web server answers %q", got)
	}
	if got := h.inside("sdhello", "cat", "/etc/motd"); got != "Welcome to sdhello." {
		t.Errorf("/etc/motd = %q", got)
	}

	// Host root's files in the store are root's inside (idmap=container).
	if got := h.inside("sdhello", "stat", "-L", "-c", "%u %g", "/run/current-system/init", "/nix/var/nix/profiles/system"); got != "0 0\n0 0" {
		t.Errorf("store files inside are owned by %q, want 0 0", got)
	}
	// Activation left LXC's mounts as they were (NixOS's specialfs would
	// remount /run and /dev with its own options, strictatime and sizes).
	for _, l := range strings.Split(h.inside("sdhello", "cat", "/proc/mounts"), "\n") {
		if f := strings.Fields(l); len(f) > 3 && (f[1] == "/run" || f[1] == "/dev") && !strings.Contains(f[3], "relatime") {
			t.Errorf("activation remounted %s: %s", f[1], l)
		}
	}
	// Nix is disabled, and says so.
	if r := h.nixlxc("run", "sdhello", "--", "nix-build", "x.nix"); r.code == 0 || !strings.Contains(r.stderr, "Nix is disabled in nixlxc containers") {
		t.Errorf("nix-build inside: %s", r)
	}

	// A reboot from inside: the booted mark goes before the system stops
	// (a slow service keeps the shutdown going), and comes back with the
	// new boot.
	slow := h.file("slow.nix", `{ ... }: {
  systemd.services.slowstop = {
    wantedBy = [ "multi-user.target" ];
    script = "while true; do sleep 1; done";
    preStop = "sleep 2";
  };
}`)
	h.must("update", "sdhello", slow)
	before := h.initPID("sdhello")
	h.must("run", "sdhello", "--", "systemctl", "--no-block", "reboot")
	eventually(t, 10*time.Second, "the booted mark is removed at shutdown", func() bool {
		_, err := os.Stat(h.bootedMark("sdhello"))
		return os.IsNotExist(err)
	})
	eventually(t, 60*time.Second, "the rebooted system writes its booted mark", func() bool {
		_, err := os.Stat(h.bootedMark("sdhello"))
		return err == nil
	})
	if after := h.initPID("sdhello"); after == before {
		t.Errorf("the container did not reboot: PID 1 is still %d", before)
	}

	// A clean stop: systemd's own shutdown, not a kill after the timeout.
	for _, name := range []string{"sdweb", "sdhello"} {
		if out := h.must("stop", "--timeout", "20s", name); strings.Contains(out, "killing") {
			t.Errorf("stop %s had to kill it: %q", name, out)
		}
		console := readFile(t, filepath.Join(h.stateDir, "lxc", name, "console.log"))
		if !strings.Contains(console, "System Halt") || !strings.Contains(console, "Halting system.") {
			t.Errorf("%s: the console does not show systemd's halt:\n%s", name, console)
		}
	}
}

// TestSystemdHardening runs a service with the sandboxing a NixOS module
// typically asks for, and checks that each setting is in effect inside an
// unprivileged container (nixlxc ships no drop-in that relaxes them).
func TestSystemdHardening(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.must("create", "sdhard", h.file("hard.nix", `{ ... }: {
  systemd.services.hardened = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      ProtectSystem = "strict";
      PrivateTmp = true;
      DynamicUser = true;
      ProtectProc = "invisible";
      NoNewPrivileges = true;
      StateDirectory = "hardened";
    };
    script = ''
      {
        echo "uid=$(id -u)"
        grep NoNewPrivs /proc/self/status
        grep ' /proc ' /proc/self/mounts
        touch /etc/probe 2>/dev/null && echo etc=writable || echo etc=read-only
        touch /tmp/probe && ls -A /tmp | tr '\n' ' ' && echo
      } > /var/lib/hardened/report
      exec sleep 100000
    '';
  };
}`))
	h.must("start", "sdhard")
	if got := h.inside("sdhard", "systemctl", "is-active", "hardened.service"); got != "active" {
		t.Fatalf("the hardened service is %q:\n%s", got, h.nixlxc("run", "sdhard", "--", "systemctl", "status", "--no-pager", "hardened.service").stdout)
	}
	var report string
	eventually(t, 10*time.Second, "the hardened service writes its report", func() bool {
		report = h.nixlxc("run", "sdhard", "--", "cat", "/var/lib/private/hardened/report").stdout
		return strings.Contains(report, "/tmp") || strings.Contains(report, "probe")
	})
	for _, want := range []string{
		"NoNewPrivs:\t1",    // NoNewPrivileges
		"hidepid=invisible", // ProtectProc=invisible
		"etc=read-only",     // ProtectSystem=strict
		"\nprobe \n",        // PrivateTmp: its /tmp holds only its own file
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the hardened service's report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "uid=0\n") || !strings.Contains(report, "uid=6") {
		t.Errorf("DynamicUser: the service runs as %q", report)
	}
	if got := h.systemState("sdhard"); got != "running" {
		t.Errorf("is-system-running = %q", got)
	}
}

// servicesConfig is a container with the given services, each a loop that
// sleeps (its word changes its definition).
func (h *host) servicesConfig(file string, services map[string]string, extra string) string {
	var b strings.Builder
	b.WriteString("{ ... }: {\n")
	for name, word := range services {
		b.WriteString("  systemd.services." + name + " = { wantedBy = [ \"multi-user.target\" ]; script = \"echo " + word + "; while true; do sleep 1; done\"; };\n")
	}
	b.WriteString(extra + "\n}\n")
	return h.file(file, b.String())
}

// mainPIDs are the services' main PIDs inside ("0" when not running).
func (h *host) mainPIDs(name string, units ...string) map[string]string {
	h.t.Helper()
	pids := map[string]string{}
	for _, u := range units {
		pids[u] = h.inside(name, "systemctl", "show", "-p", "MainPID", "--value", u)
	}
	return pids
}

// systemState is what systemctl is-system-running says inside (it exits
// non-zero unless the state is running).
func (h *host) systemState(name string) string {
	h.t.Helper()
	return strings.TrimSpace(h.nixlxc("run", name, "--", "systemctl", "is-system-running").stdout)
}

// TestSystemdUpdate: updates switch a running container in place with
// NixOS's switch-to-configuration: a changed service restarts, an unchanged
// one keeps its process, a removed one stops, a new one starts; a service
// that fails makes update exit 6 and --auto-rollback brings the previous
// generation back, services running; a container degraded before the
// update for an old reason does not roll back.
func TestSystemdUpdate(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	one := h.servicesConfig("one.nix", map[string]string{"keep": "same", "change": "one", "gone": "x"}, "")
	two := h.servicesConfig("two.nix", map[string]string{"keep": "same", "change": "two", "added": "y"}, "")
	broken := h.servicesConfig("broken.nix", map[string]string{"keep": "same", "change": "two", "added": "y"},
		`  systemd.services.broken = { wantedBy = [ "multi-user.target" ]; script = "exit 3"; };`)

	// Created with an older nixpkgs (the stand-in calling itself 22.05),
	// the container keeps that system.stateVersion when a newer one builds
	// it; a configuration that sets its own wins.
	older := filepath.Join(h.dir, "nixpkgs-22.05")
	sh(t, "cp", "-r", filepath.Join(repoRoot, "standin-nixpkgs"), older)
	sh(t, "sed", "-i", `s/release = "23.05"/release = "22.05"/`, filepath.Join(older, "lib/trivial.nix"))
	h.must("create", "sdupd", one, "-n", "-I nixpkgs="+older)
	h.must("start", "sdupd")
	stateVersion := func() string {
		gens := h.generations("sdupd")
		return strings.TrimSpace(readFile(t, filepath.Join(gens[len(gens)-1].Path, "nixlxc-state-version")))
	}
	if v := stateVersion(); v != "22.05" {
		t.Errorf("the first build's stateVersion is %q, want the older nixpkgs' 22.05", v)
	}
	init := h.initPID("sdupd")
	before := h.mainPIDs("sdupd", "keep.service", "change.service", "gone.service")
	out := h.must("update", "sdupd", two, "-n", "-I nixpkgs="+filepath.Join(repoRoot, "standin-nixpkgs"))
	if v := stateVersion(); v != "22.05" {
		t.Errorf("a newer nixpkgs changed the stateVersion to %q, want the pinned 22.05", v)
	}
	after := h.mainPIDs("sdupd", "keep.service", "change.service", "gone.service", "added.service")
	if after["keep.service"] != before["keep.service"] || after["keep.service"] == "0" {
		t.Errorf("the unchanged service was restarted: %s -> %s\nupdate said:\n%s\nits journal:\n%s", before["keep.service"], after["keep.service"],
			out, h.inside("sdupd", "journalctl", "-u", "keep.service", "-o", "short-monotonic", "--no-pager"))
	}
	if after["change.service"] == before["change.service"] || after["change.service"] == "0" {
		t.Errorf("the changed service was not restarted: %s -> %s", before["change.service"], after["change.service"])
	}
	if after["gone.service"] != "0" {
		t.Errorf("the removed service still runs (pid %s)", after["gone.service"])
	}
	if after["added.service"] == "0" {
		t.Error("the new service was not started")
	}
	for _, want := range []string{"stopping the following units: change.service, gone.service", "added.service"} {
		if !strings.Contains(out, want) {
			t.Errorf("update's output lacks %q:\n%s", want, out)
		}
	}
	if h.initPID("sdupd") != init {
		t.Error("update restarted the container")
	}
	if got := h.inside("sdupd", "journalctl", "-u", "change.service", "-o", "cat", "--no-pager"); !strings.Contains(got, "two") {
		t.Errorf("the changed service does not run its new definition:\n%s\nupdate said:\n%s", got, out)
	}

	// A failing service: exit 6, the failure named; the profile says what
	// is active (the new system).
	h.fails(6, []string{"broken.service"}, "update", "sdupd", broken)
	if got := h.systemState("sdupd"); got != "degraded" {
		t.Errorf("after a failed update is-system-running = %q", got)
	}
	h.must("rollback", "sdupd")
	if got := h.systemState("sdupd"); got != "running" {
		t.Errorf("after the rollback is-system-running = %q", got)
	}

	// With --auto-rollback the previous generation comes back, with its
	// services running.
	current := h.currentGeneration("sdupd")
	h.fails(6, []string{"broken.service", "rolled back to generation"}, "update", "--auto-rollback", "sdupd", broken)
	if n := h.currentGeneration("sdupd"); n != current {
		t.Errorf("after the rollback generation %d is current, want %d", n, current)
	}
	pids := h.mainPIDs("sdupd", "keep.service", "change.service", "added.service", "broken.service")
	for _, u := range []string{"keep.service", "change.service", "added.service"} {
		if pids[u] == "0" {
			t.Errorf("after the rollback %s is not running", u)
		}
	}
	if got := h.systemState("sdupd"); got != "running" {
		t.Errorf("after the automatic rollback is-system-running = %q", got)
	}

	// Degraded for an old reason: broken.service failed in the running
	// generation already. An update that changes another service succeeds,
	// even with --auto-rollback, though systemd still says degraded.
	h.fails(6, []string{"broken.service"}, "update", "sdupd", broken)
	degraded := h.currentGeneration("sdupd")
	three := h.servicesConfig("three.nix", map[string]string{"keep": "same", "change": "three", "added": "y"},
		`  systemd.services.broken = { wantedBy = [ "multi-user.target" ]; script = "exit 3"; };`)
	out = h.must("update", "--auto-rollback", "sdupd", three)
	if !strings.Contains(out, "had failed before the switch") {
		t.Errorf("update does not say the old failure persists:\n%s", out)
	}
	if n := h.currentGeneration("sdupd"); n <= degraded {
		t.Errorf("the update of a degraded container was rolled back: generation %d is current", n)
	}
	if got := h.inside("sdupd", "journalctl", "-u", "change.service", "-o", "cat", "--no-pager"); !strings.Contains(got, "three") {
		t.Errorf("the update of a degraded container did not take effect:\n%s", got)
	}
	h.must("update", "sdupd", h.servicesConfig("own.nix", map[string]string{"keep": "same"}, `  system.stateVersion = "24.05";`))
	if v := stateVersion(); v != "24.05" {
		t.Errorf("the configuration's own stateVersion lost to the pinned one: %q", v)
	}

	// A system whose systemctl (first on the PATH nixlxc runs commands
	// with) answers with escape sequences around "running" is not healthy,
	// and what it prints does not reach the user.
	liar := h.file("liar.nix", `{ ... }: {
  system.activationScripts.liar = ''
    mkdir -p /run/wrappers/bin
    echo '#!/bin/sh' > /run/wrappers/bin/systemctl
    echo 'printf "\033]0;pwned\007running\n"' >> /run/wrappers/bin/systemctl
    chmod +x /run/wrappers/bin/systemctl
  '';
}`)
	r := h.fails(6, []string{"did not report healthy", "rolled back"}, "update", "--auto-rollback", "--health-timeout", "2s", "sdupd", liar)
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07") || strings.Contains(r.stdout+r.stderr, "pwned") {
		t.Errorf("the container's answer reached the user: %q", r.stdout+r.stderr)
	}
}

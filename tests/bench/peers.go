package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Figure 8: nixlxc run against lxc-attach on the same running container,
// in the same rounds (with -before, an earlier nixlxc too), at least 50.
// nsenter into the container's namespaces is the floor, not a peer: no
// cgroup, no seccomp, no clean environment, no session of its own.
func (b *bench) figRun() error {
	e, err := b.newEnv("")
	if err != nil {
		return err
	}
	defer e.close()
	e.mustNixlxc("create", "brun", e.file("c.nix", hostonlyConfig))
	e.mustNixlxc("start", "brun")
	out, err := e.cmd("lxc-info", "-P", e.lxcpath(), "-n", "brun", "-p", "-H").Output()
	if err != nil {
		return fmt.Errorf("lxc-info: %v", err)
	}
	pid := strings.TrimSpace(string(out))
	const (
		ours   = "nixlxc run NAME -- true"
		peer   = "lxc-attach --clear-env -- true"
		before = "before: nixlxc run NAME -- true"
		floor  = "nsenter -a -- true (namespaces only, not a peer)"
	)
	steps := []func() error{
		func() error { return e.nixlxc(ours, "run", "brun", "--", "true").err },
		func() error {
			return e.run(peer, "lxc-attach", "-P", e.lxcpath(), "-n", "brun", "--clear-env", "--", "/run/current-system/sw/bin/true").err
		},
	}
	if b.before != "" {
		steps = append(steps, func() error { return e.run(before, b.before, "run", "brun", "--", "true").err })
	}
	steps = append(steps, func() error {
		e.run(floor, "nsenter", "-t", pid, "-a", "--", "/run/current-system/sw/bin/true")
		return nil
	})
	if err := inTurn(max(b.count, 50), steps); err != nil {
		return err
	}
	b.noteRatio("run", ours, peer, "lxc-attach", 1.10)
	if b.before != "" {
		b.noteRatio("run, before", before, peer, "lxc-attach", 1.10)
	}
	return nil
}

// Figure 9: a systemd guest (the stand-in's default: Debian's systemd 252
// in the store) from start to booted (multi-user.target reached and
// nixlxc's booted mark written) and its clean stop, nixlxc against
// systemd-nspawn, nixos-container's engine, booting the same system from
// the same rootfs, store and profile, in the same rounds; and the busybox
// init's clean stop beside them.
func (b *bench) figSystemd() error {
	e, err := b.newEnv("")
	if err != nil {
		return err
	}
	defer e.close()
	conf := e.file("c.nix", hostonlyConfig)
	if r := e.runEnv("", systemdInit, b.nixlxc, "create", "bsystemd", conf); r.err != nil {
		return r.err
	}
	e.mustNixlxc("create", "bbusybox", conf)
	e.mustNixlxc("start", "bsystemd")
	e.mustNixlxc("stop", "bsystemd")
	nspawn, err := exec.LookPath("systemd-nspawn")
	if err != nil {
		b.rec.note("systemd-nspawn is not installed (scripts/bench.sh installs systemd-container): nixlxc alone")
	}
	for i := 0; i < b.count; i++ {
		if r := e.nixlxc("nixlxc start (booted), systemd", "start", "bsystemd"); r.err != nil {
			return r.err
		}
		if r := e.nixlxc("nixlxc stop (clean), systemd", "stop", "bsystemd"); r.err != nil {
			return r.err
		}
		if nspawn != "" {
			if err := b.nspawnRound(e, nspawn, "bsystemd"); err != nil {
				return err
			}
		}
		e.mustNixlxc("start", "bbusybox")
		if r := e.nixlxc("nixlxc stop (clean), busybox init", "stop", "bbusybox"); r.err != nil {
			return r.err
		}
	}
	if nspawn != "" {
		b.noteRatio("systemd guest, start to booted", "nixlxc start (booted), systemd", "systemd-nspawn (booted)", "systemd-nspawn", 1)
		b.noteRatio("systemd guest, clean stop", "nixlxc stop (clean), systemd", "systemd-nspawn stop (SIGRTMIN+3 to init)", "systemd-nspawn", 1)
		b.rec.note("nspawn runs with --register=no --keep-unit --private-network (no veth: the LXC container has one on brNC-hostonly)")
	}
	return nil
}

// nspawnRound boots the container's system with systemd-nspawn until it
// reports booted, then halts it as nspawn's own poweroff does (SIGRTMIN+3
// to its init) and waits for nspawn to exit.
func (b *bench) nspawnRound(e *env, nspawn, name string) error {
	dir := filepath.Join(e.lxcpath(), name)
	base, err := idmapBase(filepath.Join(dir, "config"))
	if err != nil {
		return err
	}
	run := filepath.Join(dir, "run")
	os.Remove(filepath.Join(run, "booted"))
	logf, err := os.Create(filepath.Join(e.dir, "nspawn.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := e.cmd(nspawn, "--register=no", "--keep-unit", "--quiet", "--console=pipe",
		"--directory="+filepath.Join(dir, "rootfs"),
		fmt.Sprintf("--private-users=%d:65536", base), "--private-network",
		"--bind-ro=/nix/store:/nix/store:idmap",
		"--bind-ro="+filepath.Join(e.dir, "profiles", name)+":/nix/var/nix/profiles:idmap",
		"--bind="+run+":/run/nixlxc",
		"/nix/var/nix/profiles/system/init")
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	booted := waitBootedFile(e, name, time.Minute)
	b.rec.add(sample{at: start, elapsed: time.Since(start), label: "systemd-nspawn (booted)", ok: booted == nil})
	init := childOf(cmd.Process.Pid)
	if init > 0 {
		syscall.Kill(init, syscall.Signal(34+3)) // SIGRTMIN+3: systemd's halt
	} else {
		cmd.Process.Signal(syscall.SIGTERM)
	}
	stop := time.Now()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		b.rec.add(sample{at: stop, elapsed: time.Since(stop), label: "systemd-nspawn stop (SIGRTMIN+3 to init)", ok: err == nil})
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("systemd-nspawn did not stop (see %s)", logf.Name())
	}
	if booted != nil {
		return fmt.Errorf("systemd-nspawn: %v (see %s)", booted, logf.Name())
	}
	return nil
}

// idmapBase is the host uid of the container's root, from its LXC config.
func idmapBase(config string) (int, error) {
	data, err := os.ReadFile(config)
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		// lxc.idmap = u 0 100000 65536
		if f := strings.Fields(l); len(f) == 6 && f[0] == "lxc.idmap" && f[2] == "u" && f[3] == "0" {
			return strconv.Atoi(f[4])
		}
	}
	return 0, fmt.Errorf("%s maps no root uid", config)
}

// childOf is a child process of pid, or 0.
func childOf(pid int) int {
	entries, _ := os.ReadDir("/proc")
	for _, en := range entries {
		p, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		if pp, err := parentOf(p); err == nil && pp == pid {
			return p
		}
	}
	return 0
}

package tests

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostData makes a host directory with a file that must survive.
func hostData(t *testing.T, h *host, name string) string {
	t.Helper()
	dir := filepath.Join(h.dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "precious"), []byte("host data"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func checkHostData(t *testing.T, dir, when string) {
	t.Helper()
	if data, err := os.ReadFile(filepath.Join(dir, "precious")); err != nil || string(data) != "host data" {
		t.Fatalf("%s: the host's data in %s is gone: %q, %v", when, dir, data, err)
	}
}

// bindInto bind-mounts src at target (made if missing), in the test's own
// mount namespace, as an admin would: mount --bind /srv/data .../rootfs/x.
func bindInto(t *testing.T, src, target string) {
	t.Helper()
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount(src, target, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
}

// TestDestroyNeverCrossesMounts is nixpkgs' containers-imperative scenario:
// a host directory bind-mounted into a container's tree on the host. No
// removal nixlxc does (destroy, destroy --force, doctor --repair of an
// interrupted create) deletes the host's files: each refuses, naming the
// mount, and succeeds once it is unmounted.
func TestDestroyNeverCrossesMounts(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	data := hostData(t, h, "srv-data")
	cfg := h.file("m.nix", `{ ... }: { }`)
	h.must("create", "xmnt", cfg)
	h.must("start", "xmnt")
	places := map[string]string{
		"rootfs":      filepath.Join(h.stateDir, "lxc/xmnt/rootfs/very/important/data"),
		"run dir":     filepath.Join(h.stateDir, "lxc/xmnt/run/data"),
		"profile dir": filepath.Join(h.profileDir, "xmnt/data"),
	}
	for where, target := range places {
		bindInto(t, data, target)
		for _, args := range [][]string{{"destroy", "xmnt"}, {"destroy", "--force", "xmnt"}} {
			h.fails(1, []string{target, "mounted"}, args...)
			checkHostData(t, data, where+": "+strings.Join(args, " "))
		}
		if s := h.state("xmnt"); s != "RUNNING" {
			t.Errorf("%s: the refused destroy --force stopped the container: %s", where, s)
		}
		if err := syscall.Unmount(target, 0); err != nil {
			t.Fatal(err)
		}
	}

	// A start clears the run directory: never through a mount.
	h.must("stop", "xmnt")
	bindInto(t, data, places["run dir"])
	h.fails(1, []string{places["run dir"]}, "start", "xmnt")
	checkHostData(t, data, "start with a mount in the run dir")
	syscall.Unmount(places["run dir"], 0)
	h.must("destroy", "xmnt")
	checkHostData(t, data, "the destroy after unmounting")
	if left := h.leftovers("xmnt"); len(left) > 0 {
		t.Errorf("left after destroy: %v", left)
	}

	// doctor --repair of an interrupted create, with a mount inside its
	// directory and its profile.
	for _, place := range []string{"lxc/xdoc/rootfs/data", "profiles"} {
		h.crash("create:rootfs", "create", "xdoc", cfg)
		target := filepath.Join(h.stateDir, place)
		if place == "profiles" {
			target = filepath.Join(h.profileDir, "xdoc/data")
		}
		bindInto(t, data, target)
		var refused bool
		for _, f := range h.doctor(true) {
			if strings.Contains(f.Err, target) {
				refused = true
			}
		}
		if !refused {
			t.Errorf("doctor --repair did not name the mount %s", target)
		}
		checkHostData(t, data, "doctor --repair with a mount in "+place)
		syscall.Unmount(target, 0)
		h.repairAll("after unmounting " + place)
		checkHostData(t, data, "doctor --repair after unmounting")
		if left := h.leftovers("xdoc"); len(left) > 0 {
			t.Errorf("left after repair: %v", left)
		}
	}
}

// TestContainerCannotSteerHostState: what a container writes to
// /run/nixlxc is never the authority for its profile or LXC config. A
// container that claims to run generation 1 gets doctor's report, not a
// "repair" back to generation 1 (which would bring back generation 1's
// settings, such as a host-side limit being gone).
func TestContainerCannotSteerHostState(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	v1 := h.file("v1.nix", `{ configuration = { ... }: { environment.etc.v.text = "one"; }; }`)
	v2 := h.file("v2.nix", `{ limits.pids = 300; configuration = { ... }: { environment.etc.v.text = "two"; }; }`)
	h.must("create", "xlie", v1)
	h.must("start", "xlie")
	h.must("update", "xlie", v2)
	config := filepath.Join(h.stateDir, "lxc/xlie/config")
	before := readFile(t, config)
	if !strings.Contains(before, "300") {
		t.Fatalf("generation 2's limit is not in the LXC config:\n%s", before)
	}
	h.must("run", "xlie", "--", "sh", "-c", "readlink /nix/var/nix/profiles/system-1-link > /run/nixlxc/current")

	findings := h.doctor(true)
	if len(findings) != 1 || findings[0].Repaired || findings[0].Advice == "" || !strings.Contains(findings[0].Problem, "reports") {
		t.Errorf("doctor --repair on a container's false report: %+v, want one unrepaired finding with advice", findings)
	}
	if r := h.nixlxc("doctor"); r.code != 1 {
		t.Errorf("doctor with a mismatch: %s, want exit 1", r)
	}
	if g := h.currentGeneration("xlie"); g != 2 {
		t.Errorf("the container's report moved the profile to generation %d", g)
	}
	if after := readFile(t, config); after != before {
		t.Errorf("the container's report changed the LXC config:\n%s\nwas\n%s", after, before)
	}

	// A failed activation follows the host's record too, not the report.
	bad := h.file("bad.nix", `{ ... }: {
  environment.etc.v.text = "three";
  systemd.services.broken = { wantedBy = [ "multi-user.target" ]; serviceConfig.Type = "oneshot"; script = "exit 1"; };
}`)
	h.must("run", "xlie", "--", "sh", "-c", "readlink /nix/var/nix/profiles/system-1-link > /run/nixlxc/current")
	h.fails(6, []string{"xlie"}, "update", "xlie", bad, "--auto-rollback")
	if g := h.currentGeneration("xlie"); g != 2 {
		t.Errorf("after a rolled-back update the profile is at generation %d, want 2 (what nixlxc re-activated)", g)
	}
	if after := readFile(t, config); after != before {
		t.Errorf("after a rolled-back update the LXC config is not generation 2's:\n%s", after)
	}
}

// TestDestroyOnAFullDisk: a container that fills the file system of the
// state directory can still be destroyed, its record and leases included.
func TestDestroyOnAFullDisk(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	if err := os.MkdirAll(h.stateDir, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", h.stateDir, "tmpfs", 0, "size=24m,mode=0711"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Before the unmount: what is left is destroyed through nixlxc.
		h.nixlxc("destroy", "--force", "xfull")
		h.nixlxc("destroy", "--force", "xnext")
		syscall.Unmount(h.stateDir, syscall.MNT_DETACH)
	})
	cfg := h.file("f.nix", `{ network.enableNat = true; configuration = { ... }: { }; }`)
	h.must("create", "xfull", cfg)
	h.must("start", "xfull")
	// Fill it from inside, until the disk is full.
	h.nixlxc("run", "xfull", "--", "sh", "-c", "dd if=/dev/zero of=/root/fill bs=1M; dd if=/dev/zero of=/root/fill2 bs=4k")
	var st syscall.Statfs_t
	syscall.Statfs(h.stateDir, &st)
	if st.Bavail > 16 {
		t.Fatalf("the file system is not full: %d blocks free", st.Bavail)
	}
	h.must("destroy", "--force", "xfull")
	if left := h.leftovers("xfull"); len(left) > 0 {
		t.Errorf("left after destroy: %v", left)
	}
	if f := h.doctor(false); len(f) > 0 {
		t.Errorf("doctor after the destroy: %+v", f)
	}
	// Its addresses are free again: the next container gets them.
	h.must("create", "xnext", cfg)
	if ip := h.ip("xnext"); ip != "10.101.0.2" {
		t.Errorf("the next container got %s, want the freed 10.101.0.2", ip)
	}
	h.must("destroy", "xnext")
}

// TestInstallationsStayApart: two installations (state directories) that
// share a profile directory, each in a network namespace of its own (one
// installation per network namespace: TestOneInstallationPerNetworkNamespace
// has two in one), never remove or take over each other's profiles.
func TestInstallationsStayApart(t *testing.T) {
	if !isolate(t) {
		return
	}
	a := newHost(t)
	b := newHost(t)
	b.ownNetworkNamespace()
	b.profileDir = a.profileDir
	for i, kv := range b.env {
		if strings.HasPrefix(kv, "NIXLXC_PROFILE_DIR=") {
			b.env[i] = "NIXLXC_PROFILE_DIR=" + a.profileDir
		}
	}
	cfg := a.file("s.nix", `{ ... }: { }`)
	a.must("create", "xtwo", cfg)
	a.must("start", "xtwo")
	gensBefore := a.generations("xtwo")

	// b's doctor sees a's profile as someone else's: never removed.
	for _, f := range b.doctor(true) {
		if strings.Contains(f.Problem, "xtwo") {
			t.Errorf("the other installation's doctor touched xtwo: %+v", f)
		}
	}
	if gens := a.generations("xtwo"); len(gens) != len(gensBefore) {
		t.Fatalf("the other installation's doctor removed generations: %+v", gens)
	}
	b.fails(4, []string{"another nixlxc installation", a.stateDir}, "create", "xtwo", cfg)
	if r := a.nixlxc("run", "xtwo", "--", "true"); r.code != 0 {
		t.Errorf("a's container: %s", r)
	}
}

// TestDamagedRecords: an unreadable record or lease database is found and
// repaired by doctor from what nixlxc wrote itself (the LXC config, the
// profile), and no command hides it.
func TestDamagedRecords(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	cfg := h.file("d.nix", `{ network.enableNat = true; configuration = { ... }: { }; }`)
	h.must("create", "xrec", cfg)
	h.must("create", "xok", cfg)
	h.must("start", "xrec")
	before := h.showIP("xrec")
	record := filepath.Join(h.stateDir, "lxc/xrec/nixlxc.json")
	if err := os.WriteFile(record, []byte("{ not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s := h.state("xrec"); s != "RUNNING" {
		t.Errorf("state of a container with an unreadable record: %q", s)
	}
	h.fails(4, []string{"xrec", "unreadable"}, "create", "xrec", cfg)
	h.fails(1, []string{"xrec", "doctor --repair"}, "update", "xrec", cfg)
	// A lost database on top of it: doctor must still give xrec its own
	// leases back, or the next container would get its address.
	for _, f := range []string{"nixlxc.db", "nixlxc.db-wal", "nixlxc.db-shm"} {
		os.Remove(filepath.Join(h.stateDir, f))
	}
	found := h.doctor(false)
	if len(found) == 0 {
		t.Fatal("doctor found nothing wrong with an unreadable record and a lost database")
	}
	h.repairAll("unreadable record, lost database")
	if after := h.showIP("xrec"); after.Hostonly == nil || after.Internet == nil || after.Hostonly.IPv4 != before.Hostonly.IPv4 || after.Internet.IPv4 != before.Internet.IPv4 {
		t.Errorf("after the repair xrec holds %+v %+v, it uses %+v %+v", after.Hostonly, after.Internet, before.Hostonly, before.Internet)
	}
	h.must("update", "xrec", cfg)
	h.must("create", "xnew", cfg)
	if ip := h.ip("xnew"); ip == strings.Split(before.Hostonly.IPv4, "/")[0] || ip == h.ip("xok") {
		t.Errorf("the new container got an address in use: %s", ip)
	}

	// A garbage database (not truncated: a file SQLite cannot read).
	db := filepath.Join(h.stateDir, "nixlxc.db")
	for _, f := range []string{"nixlxc.db-wal", "nixlxc.db-shm"} {
		os.Remove(filepath.Join(h.stateDir, f))
	}
	if err := os.WriteFile(db, bytes.Repeat([]byte("this is no SQLite database "), 400), 0o600); err != nil {
		t.Fatal(err)
	}
	r := h.fails(1, []string{"unreadable", "doctor --repair"}, "list")
	if !strings.Contains(r.stdout, "xrec") {
		t.Errorf("list with an unreadable database shows no rows: %s", r)
	}
	h.repairAll("garbage database")
	if after := h.showIP("xrec"); after.Hostonly == nil || after.Hostonly.IPv4 != before.Hostonly.IPv4 {
		t.Errorf("after the database repair xrec holds %+v, it uses %+v", after.Hostonly, before.Hostonly)
	}
	if out := h.must("list"); !strings.Contains(out, strings.Split(before.Hostonly.IPv4, "/")[0]+" ") {
		t.Errorf("list after the repair: %q", out)
	}
	h.must("destroy", "--force", "xrec")
	if left := h.leftovers("xrec"); len(left) > 0 {
		t.Errorf("left after destroy: %v", left)
	}
}

// interrupt starts nixlxc, waits until it prints want on stdout (or until
// its output ends), sends sig, and returns the result.
func (h *host) interrupt(sig syscall.Signal, want string, args ...string) result {
	h.t.Helper()
	return h.interruptWatching(false, sig, want, args...)
}

// interruptStderr is interrupt for a command whose own messages go to
// stderr (run --rm): it waits for want there.
func (h *host) interruptStderr(sig syscall.Signal, want string, args ...string) result {
	h.t.Helper()
	return h.interruptWatching(true, sig, want, args...)
}

func (h *host) interruptWatching(onStderr bool, sig syscall.Signal, want string, args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = h.env
	var stdout, stderr bytes.Buffer
	watched := &stdout
	pr, pw, _ := os.Pipe()
	cmd.Stdout, cmd.Stderr = pw, &stderr
	if onStderr {
		watched = &stderr
		cmd.Stdout, cmd.Stderr = &stdout, pw
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	pw.Close()
	seen := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		buf := make([]byte, 4096)
		closed := false
		for {
			n, err := pr.Read(buf)
			watched.Write(buf[:n])
			if !closed && (strings.Contains(watched.String(), want) || err != nil) {
				close(seen)
				closed = true
			}
			if err != nil {
				return
			}
		}
	}()
	<-seen
	time.Sleep(300 * time.Millisecond) // into the slow step
	cmd.Process.Signal(sig)
	err := cmd.Wait()
	<-readDone
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	}
	return r
}

// TestInterrupted: ^C (SIGINT) or SIGTERM during create or update undoes
// what the command did, as a failure would, and exits 130 or 143.
func TestInterrupted(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	// A build no earlier run can have finished: the test's own directory
	// is in it, and in the command line of the shell that sleeps.
	slow := h.file("slow.nix", `{ network.enableNat = true; configuration = { pkgs, ... }: {
  environment.etc.slow.source = pkgs.runCommand "slow-build" { } "sh -c 'sleep 30; true' `+h.dir+`; echo `+h.dir+` > $out";
}; }`)
	for sig, code := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		r := h.interrupt(sig, "building", "create", "xint", slow)
		if r.code != code || !strings.Contains(r.stderr, "interrupted") {
			t.Errorf("create interrupted by %v: %s, want exit %d", sig, r, code)
		}
		if r := h.nixlxc("exists", "xint"); r.code != 1 {
			t.Errorf("an interrupted create left a container")
		}
		if left := h.leftovers("xint"); len(left) > 0 {
			t.Errorf("left after an interrupted create: %v", left)
		}
		if f := h.doctor(false); len(f) > 0 {
			t.Errorf("doctor after an interrupted create: %+v", f)
		}
		// The build stopped with it: no builder of the slow derivation
		// (whose command line holds the test's directory) runs on.
		eventually(t, 10*time.Second, "the interrupted build's builder ends", func() bool {
			return len(processesMentioning(h.dir)) == 0
		})
	}
	quick := h.file("quick.nix", `{ network.enableNat = true; configuration = { ... }: { environment.etc.v.text = "quick"; }; }`)
	h.must("create", "xint", quick)
	h.must("start", "xint")
	ips := h.showIP("xint")
	r := h.interrupt(syscall.SIGINT, "building", "update", "xint", slow)
	if r.code != 130 {
		t.Errorf("update interrupted by SIGINT: %s, want exit 130", r)
	}
	if g := h.currentGeneration("xint"); g != 1 || len(h.generations("xint")) != 1 {
		t.Errorf("an interrupted update left generations %+v", h.generations("xint"))
	}
	if after := h.showIP("xint"); *after.Hostonly != *ips.Hostonly || *after.Internet != *ips.Internet {
		t.Errorf("an interrupted update changed the leases: %+v, was %+v", after, ips)
	}
	if f := h.doctor(false); len(f) > 0 {
		t.Errorf("doctor after an interrupted update: %+v", f)
	}
	if got := strings.TrimSpace(h.must("run", "xint", "--", "cat", "/etc/v")); got != "quick" {
		t.Errorf("after an interrupted update /etc/v = %q", got)
	}
}

// TestPermissionsAndLeftovers: the smaller faults of a real host.
func TestPermissionsAndLeftovers(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	cfg := h.file("p.nix", `{ ... }: { }`)

	// A profile directory made by mktemp -d (0700) works like the state
	// directory does; an ancestor that others cannot search is named.
	private := filepath.Join(h.dir, "private-profiles")
	os.Mkdir(private, 0o700)
	h.env = append(h.env, "NIXLXC_PROFILE_DIR="+private)
	h.profileDir = private
	h.must("create", "xperm", cfg)
	h.must("start", "xperm")
	h.must("destroy", "--force", "xperm")
	locked := filepath.Join(h.dir, "locked")
	os.Mkdir(locked, 0o700)
	h.env = append(h.env, "NIXLXC_PROFILE_DIR="+filepath.Join(locked, "profiles"))
	h.fails(2, []string{locked, "chmod o+x"}, "create", "xperm", cfg)
	h.env = append(h.env, "NIXLXC_PROFILE_DIR="+private)

	// A start that liblxc fails leaves no monitor cgroup behind; one left
	// by an older run is found and removed by doctor.
	h.must("create", "xcg", cfg)
	os.RemoveAll(filepath.Join(h.stateDir, "lxc/xcg/rootfs"))
	if r := h.nixlxc("start", "xcg"); r.code == 0 {
		t.Fatal("a container without a rootfs started")
	}
	if cg := monitorCgroups("xcg"); len(cg) > 0 {
		t.Errorf("a failed start left %v", cg)
	}
	stray := "/sys/fs/cgroup/pids/lxc.monitor.xcg"
	if _, err := os.Stat("/sys/fs/cgroup/pids"); err != nil {
		stray = "/sys/fs/cgroup/lxc.monitor.xcg"
	}
	if err := os.Mkdir(stray, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(stray)
	var found bool
	for _, f := range h.doctor(true) {
		found = found || (strings.Contains(f.Problem, stray) && f.Repaired)
	}
	if !found {
		t.Errorf("doctor --repair did not remove the empty %s", stray)
	}
	if _, err := os.Stat(stray); err == nil {
		t.Errorf("%s is still there", stray)
	}
}

// monitorCgroups lists liblxc's monitor cgroups of a container.
func monitorCgroups(name string) []string {
	var out []string
	for _, pattern := range []string{"/sys/fs/cgroup/*/lxc.monitor." + name + "*", "/sys/fs/cgroup/lxc.monitor." + name + "*", "/sys/fs/cgroup/*/*/*/lxc.monitor." + name + "*"} {
		m, _ := filepath.Glob(pattern)
		out = append(out, m...)
	}
	return out
}

// TestHostUsersKeptOut: a host user cannot reach a container's files
// through the host's state directory: not its rootfs (where a setuid
// program the container made would run as the container's root), not its
// run directory, not its world-readable files.
func TestHostUsersKeptOut(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	h.must("create", "xusr", h.file("u.nix", `{ ... }: { }`))
	h.must("start", "xusr")
	h.must("run", "xusr", "--", "sh", "-c", "echo secret > /root/open; chmod 644 /root/open; cp /run/current-system/sw/bin/busybox /tmp/bb; chmod 4755 /tmp/bb")
	rootfs := filepath.Join(h.stateDir, "lxc/xusr/rootfs")
	for _, path := range []string{filepath.Join(rootfs, "root/open"), filepath.Join(rootfs, "tmp/bb"), filepath.Join(h.stateDir, "lxc/xusr/run")} {
		out, err := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "ls", "-l", path).CombinedOutput()
		if err == nil {
			t.Errorf("a host user reached %s:\n%s", path, out)
		}
	}
	out, err := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", filepath.Join(rootfs, "tmp/bb"), "id").CombinedOutput()
	if err == nil {
		t.Errorf("a host user ran the container's setuid program: %s", out)
	}
	// The container itself still runs and reaches its files.
	if got := strings.TrimSpace(h.must("run", "xusr", "--", "cat", "/root/open")); got != "secret" {
		t.Errorf("inside: %q", got)
	}
	h.must("stop", "xusr")
	h.must("start", "xusr")
}

// processesMentioning lists the processes whose command line holds s.
func processesMentioning(s string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil || e.Name() == strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), s) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}

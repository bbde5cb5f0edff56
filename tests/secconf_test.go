package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// extraConfig is a container file with lxcExtraConfig lines.
func (h *host) extraConfig(file, lines string) string {
	return h.file(file, fmt.Sprintf("{ lxcExtraConfig = %q; configuration = { ... }: { }; }\n", lines))
}

// refused expects nixlxc to refuse with exit 2 and one line naming every
// word of mention, and nothing of name to be left.
func (h *host) refused(name string, mention []string, args ...string) {
	h.t.Helper()
	h.fails(2, mention, args...)
	if left := h.leftovers(name); len(left) > 0 && args[0] == "create" {
		h.t.Errorf("nixlxc %s left %v", strings.Join(args, " "), left)
	}
}

// TestSecExtraConfigBoundary: lxcExtraConfig cannot show the host to the
// container, create host directories outside the rootfs or move the
// container out of nixlxc's cgroups (issue 10, item 5), nor the siblings
// of those.
func TestSecExtraConfigBoundary(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	outside := filepath.Join("/tmp", "scx-"+filepath.Base(h.dir))
	dev := filepath.Join(h.dir, "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(h.dir, "shared", "sub"), 0o755)
	cases := []struct {
		lines   string
		mention []string
	}{
		{"lxc.mount.entry = / mnt none rbind,create=dir 0 0", []string{"host path /", "whole host"}},
		{"lxc.mount.entry = /etc " + strings.Repeat("../", 20) + outside[1:] + " none bind,create=dir", []string{"mount target", ".."}},
		{"lxc.cgroup.dir = advescape", []string{"lxc.cgroup.dir"}},
		{"lxc.cgroup.relative = 1", []string{"lxc.cgroup.relative"}},
		{"lxc.cgroup2.cgroup.procs = 1", []string{"cgroup.procs"}},
		{"lxc.cgroup.devices.allow = a", []string{"devices.allow"}},
		{"lxc.mount.entry = /etc /tmp/x none bind,create=dir 0 0", []string{"relative to the container's root"}},
		{"lxc.mount.entry = " + h.stateDir + " mnt none bind,create=dir 0 0", []string{h.stateDir, "state directory"}},
		{"lxc.mount.entry = " + h.stateDir + "/lxc mnt none bind,ro,create=dir 0 0", []string{"inside " + h.stateDir}},
		{"lxc.mount.entry = " + h.profileDir + " mnt none bind,create=dir 0 0", []string{h.profileDir, "profiles"}},
		{"lxc.mount.entry = /nix/var/nix/db mnt none bind,create=dir 0 0", []string{"/nix/var/nix", "Nix's database"}},
		{"lxc.mount.entry = /nix/store mnt none bind,create=dir 0 0", []string{"Nix store", "read-only"}},
		{"lxc.mount.entry = /proc mnt none rbind,create=dir 0 0", []string{"/proc", "kernel"}},
		{"lxc.mount.entry = /dev/vda mnt none bind,create=file 0 0", []string{"/dev"}},
		{"lxc.mount.entry = " + dev + " mnt none bind,create=file 0 0", []string{dev, "device node"}},
		{"lxc.mount.entry = etc mnt none bind,relative,create=dir 0 0", []string{"relative"}},
		{"lxc.mount.entry = /srv mnt none bind,idmap=/proc/1/ns/user,create=dir 0 0", []string{"idmap=/proc/1/ns/user"}},
		{"lxc.mount.entry = overlay mnt overlay lowerdir=/,upperdir=/tmp/u,workdir=/tmp/w 0 0", []string{"lowerdir"}},
		{"lxc.mount.entry = /no/such/dir mnt none bind,create=dir 0 0", []string{"/no/such/dir", "does not exist"}},
		{"lxc.mount.entry = tmpfs run/nixlxc tmpfs rw,create=dir 0 0", []string{"run/nixlxc", "nixlxc's own mount"}},
		{"lxc.environment = HOME", []string{"lxc.environment = HOME", "host's own value"}},
		{"lxc.prlimit.rtprio = 99", []string{"rtprio"}},
		{"lxc.include = /etc/lxc/default.conf", []string{"lxc.include"}},
	}
	for i, c := range cases {
		file := h.extraConfig(fmt.Sprintf("extra%d.nix", i), c.lines)
		h.refused("scbnd", c.mention, "create", "scbnd", file)
	}
	if _, err := os.Stat(outside); err == nil {
		t.Errorf("a mount target created %s on the host", outside)
	}

	// A container that writes a host directory read-write: no other
	// container may mount something below it (it could swap that for a
	// symlink to / before the next start).
	shared := h.file("shared.nix", fmt.Sprintf(`{ bindMounts."/shared" = { hostPath = %q; isReadOnly = false; }; configuration = { ... }: { }; }`, filepath.Join(h.dir, "shared")))
	h.must("create", "scbnda", shared)
	below := h.extraConfig("below.nix", "lxc.mount.entry = "+filepath.Join(h.dir, "shared", "sub")+" mnt none bind,ro,create=dir 0 0")
	h.refused("scbndb", []string{"scbnda", "writes"}, "create", "scbndb", below)
	h.must("destroy", "scbnda")

	// What is allowed still works.
	ok := h.extraConfig("ok.nix", "lxc.environment = SCVAR=hello\nlxc.mount.entry = tmpfs var/cache tmpfs rw,nosuid,nodev,size=16m,create=dir 0 0\nlxc.prlimit.nofile = 1024:4096")
	h.must("create", "scbnd", ok)
	h.must("start", "scbnd")
	out := h.must("run", "scbnd", "--", "sh", "-c", "echo $SCVAR; ulimit -n; grep ' /var/cache ' /proc/self/mountinfo | wc -l")
	if f := strings.Fields(out); len(f) != 3 || f[0] != "hello" || f[1] != "1024" || f[2] != "1" {
		t.Errorf("allowed extra config did not apply: %q", out)
	}

	// The container puts a symlink to a host directory where a mount goes:
	// liblxc would create the mount point through it, on the host.
	planted := filepath.Join(h.dir, "world-writable")
	os.Mkdir(planted, 0o1777)
	os.Chmod(planted, 0o1777)
	h.must("run", "scbnd", "--", "sh", "-c", "umount -l /nix/var/nix/profiles; umount -l /nix/store; mv /nix /nix.old; ln -s "+planted+" /nix")
	h.must("terminate", "scbnd")
	if r := h.nixlxc("start", "scbnd"); r.code == 0 || !strings.Contains(r.stderr, "symlink") {
		t.Errorf("start with /nix a symlink to the host's %s: %s", planted, r)
	}
	if entries, _ := os.ReadDir(planted); len(entries) > 0 {
		t.Errorf("starting the container created %s/%s on the host", planted, entries[0].Name())
	}
	h.must("destroy", "--force", "scbnd")
}

// TestSecBindMounts: a host directory shown inside (issue 14): read-only
// by default and for good (remounting it read-write is refused), host
// root's files root's inside, read-write when asked, host paths checked at
// create, update and start, and recorded per generation.
func TestSecBindMounts(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	web := filepath.Join(h.dir, "srv-web")
	rw := filepath.Join(h.dir, "srv-rw")
	os.MkdirAll(web, 0o755)
	os.MkdirAll(rw, 0o755)
	os.WriteFile(filepath.Join(web, "index.html"), []byte("hello from the host\n"), 0o644)
	conf := h.file("bind.nix", fmt.Sprintf(`{
  bindMounts = {
    "/srv/web" = { hostPath = %q; };
    "/var/lib/data" = { hostPath = %q; isReadOnly = false; };
  };
  configuration = { ... }: { };
}
`, web, rw))
	h.must("create", "scbind", conf)
	h.must("start", "scbind")

	probe := `cat /srv/web/index.html; stat -c '%u:%g' /srv/web/index.html /srv/web
touch /srv/web/new 2>/dev/null && echo WROTE-RO
mount -o remount,bind,rw /srv/web 2>/dev/null && echo REMOUNTED
touch /srv/web/new2 2>/dev/null && echo WROTE-AFTER-REMOUNT
mount -o remount,bind,rw /nix/store 2>/dev/null && echo STORE-REMOUNTED
mount -o remount,bind,rw /nix/var/nix/profiles 2>/dev/null && echo PROFILE-REMOUNTED
echo data > /var/lib/data/written; echo done`
	out := h.must("run", "scbind", "--", "sh", "-c", probe)
	if want := "hello from the host\n0:0\n0:0\ndone\n"; out != want {
		t.Errorf("inside the container:\n%s\nwant:\n%s", out, want)
	}
	for _, f := range []string{"new", "new2"} {
		if _, err := os.Stat(filepath.Join(web, f)); err == nil {
			t.Errorf("the container wrote %s into the read-only bind mount", f)
		}
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(rw, "written"), &st); err != nil {
		t.Errorf("the read-write bind mount was not written: %v", err)
	} else if st.Uid != 0 {
		t.Errorf("a file the container's root wrote is host uid %d, want 0 (idmapped)", st.Uid)
	}

	// Refused host paths, and a missing one, at create and update: exit 2,
	// nothing written.
	bad := func(file, hostPath string, ro bool) string {
		return h.file(file, fmt.Sprintf(`{ bindMounts."/mnt" = { hostPath = %q; isReadOnly = %v; }; configuration = { ... }: { }; }`, hostPath, ro))
	}
	configBefore, _ := os.ReadFile(filepath.Join(h.stateDir, "lxc", "scbind", "config"))
	for i, c := range []struct {
		hostPath string
		ro       bool
		mention  []string
	}{
		{"/", true, []string{"whole host"}},
		{h.stateDir, true, []string{"state directory"}},
		{filepath.Join(h.stateDir, "lxc", "scbind", "rootfs"), true, []string{"inside " + h.stateDir}},
		{"/proc", true, []string{"kernel"}},
		{"/sys/fs/cgroup", true, []string{"kernel"}},
		{"/nix/store", false, []string{"Nix store"}},
		{filepath.Join(h.dir, "no-such-dir"), true, []string{"no-such-dir", "does not exist"}},
		{"relative/path", true, []string{"absolute"}},
	} {
		f := bad(fmt.Sprintf("bad%d.nix", i), c.hostPath, c.ro)
		h.refused("scbinx", c.mention, "create", "scbinx", f)
		h.fails(2, c.mention, "update", "scbind", f)
	}
	if gens := h.generations("scbind"); len(gens) != 1 {
		t.Errorf("refused updates made generations: %+v", gens)
	}
	if configAfter, _ := os.ReadFile(filepath.Join(h.stateDir, "lxc", "scbind", "config")); string(configAfter) != string(configBefore) {
		t.Errorf("refused updates changed the LXC config")
	}

	// Per generation: without the mounts, then back with a rollback.
	h.must("update", "scbind", example("hello.nix"))
	h.must("stop", "scbind")
	h.must("start", "scbind")
	if r := h.nixlxc("run", "scbind", "--", "cat", "/srv/web/index.html"); r.code == 0 {
		t.Errorf("generation 2 has no bind mounts, yet: %s", r)
	}
	h.must("rollback", "scbind")
	h.must("stop", "scbind")
	h.must("start", "scbind")
	if out := h.must("run", "scbind", "--", "cat", "/srv/web/index.html"); out != "hello from the host\n" {
		t.Errorf("after the rollback: %q", out)
	}

	// A host path gone since: start says so, in one line.
	h.must("stop", "scbind")
	os.RemoveAll(web)
	h.fails(2, []string{web, "does not exist"}, "start", "scbind")
	h.must("destroy", "scbind")
}

// TestSecUnloadableConfig: values liblxc cannot load are refused before
// anything is written (issue 10, item 6), and a container whose config a
// person broke by hand can still be asked for its state, stopped, killed
// and destroyed, with nothing but nixlxc's own line on stderr (item 11).
func TestSecUnloadableConfig(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	values := []string{
		"lxc.tty.max = abc", "lxc.pty.max = -5", "lxc.signal.halt = SIGFOO",
		"lxc.prlimit.nofile = x", "lxc.cap.drop = notacap", "lxc.cgroup.relative = 7",
		"lxc.signal.stop = 99",
	}
	h.must("create", "scload", example("hello.nix"))
	config := filepath.Join(h.stateDir, "lxc", "scload", "config")
	before, _ := os.ReadFile(config)
	for i, v := range values {
		f := h.extraConfig(fmt.Sprintf("v%d.nix", i), v)
		h.refused("scbadv", []string{v}, "create", "scbadv", f)
		h.fails(2, []string{v}, "update", "scload", f)
	}
	if after, _ := os.ReadFile(config); string(after) != string(before) {
		t.Errorf("a refused update changed the LXC config")
	}
	if gens := h.generations("scload"); len(gens) != 1 {
		t.Errorf("refused updates made generations: %+v", gens)
	}

	breakConfig := func(lines string) {
		t.Helper()
		f, err := os.OpenFile(config, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(f, lines)
		f.Close()
	}
	quiet := func(args ...string) string {
		t.Helper()
		r := h.nixlxc(args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("nixlxc %s with a broken config: %s", strings.Join(args, " "), r)
		}
		return r.stdout
	}
	garbage := "lxc.tty.max = abc\nthis is not a config line\n"

	breakConfig(garbage)
	if s := quiet("state", "scload"); s != "STOPPED\n" {
		t.Errorf("state = %q", s)
	}
	quiet("start", "scload") // the config is rendered again
	breakConfig(garbage)
	if s := quiet("state", "scload"); s != "RUNNING\n" {
		t.Errorf("state = %q", s)
	}
	if l := quiet("list"); !strings.Contains(l, "RUNNING") {
		t.Errorf("list = %q", l)
	}
	r := h.nixlxc("run", "scload", "--", "true")
	if msg := strings.TrimSpace(r.stderr); r.code == 0 || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "nixlxc: ") || strings.Contains(msg, "Failed to load config") {
		t.Errorf("run with a broken config: want one nixlxc line and a failure, got %s", r)
	}
	quiet("stop", "scload")
	quiet("start", "scload")
	breakConfig(garbage)
	quiet("terminate", "scload")
	if s := quiet("state", "scload"); s != "STOPPED\n" {
		t.Errorf("state after terminate = %q", s)
	}

	// A stop signal init ignores, in the config the container started
	// with: terminate still kills it.
	h.must("start", "scload")
	h.must("stop", "scload")
	breakConfig("lxc.signal.stop = SIGCONT\n")
	quiet("start", "scload")
	done := make(chan struct{})
	go func() {
		defer close(done)
		quiet("terminate", "scload")
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("terminate hangs on a container whose stop signal is SIGCONT")
	}

	h.must("start", "scload")
	breakConfig(garbage)
	quiet("destroy", "--force", "scload")
	if left := h.leftovers("scload"); len(left) > 0 {
		t.Errorf("destroy --force left %v", left)
	}
}

// TestSecFIFOInput: a FIFO where nixlxc reads input is refused at once,
// not waited on (issue 10, item 11).
func TestSecFIFOInput(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	dir := filepath.Join(h.dir, "confdir")
	os.MkdirAll(dir, 0o755)
	if err := syscall.Mkfifo(filepath.Join(dir, "default.nix"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(h.hostConfig)
	if err := syscall.Mkfifo(h.hostConfig, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args    []string
		mention []string
	}{
		{[]string{"create", "scfifo", dir}, []string{"default.nix", "not a regular file"}},
		{[]string{"create", "scfifo", filepath.Join(dir, "default.nix")}, []string{"not a regular file"}},
		{[]string{"host", "setup"}, []string{h.hostConfig, "not a regular file"}},
		{[]string{"--config", filepath.Join(dir, "default.nix"), "list"}, []string{"default.nix", "not a regular file"}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, binary, c.args...)
		cmd.Env = h.env
		out, err := cmd.CombinedOutput()
		hung := ctx.Err() != nil
		cancel()
		if hung {
			t.Errorf("nixlxc %s hangs on a FIFO", strings.Join(c.args, " "))
			continue
		}
		msg := strings.TrimSpace(string(out))
		if err == nil || strings.Contains(msg, "\n") {
			t.Errorf("nixlxc %s: want one error line, got %v: %q", strings.Join(c.args, " "), err, out)
		}
		for _, m := range c.mention {
			if !strings.Contains(msg, m) {
				t.Errorf("nixlxc %s: %q does not mention %q", strings.Join(c.args, " "), msg, m)
			}
		}
	}
	os.Remove(h.hostConfig)
}

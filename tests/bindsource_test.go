package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// asUser runs a shell script as a host user who is not root.
func asUser(t *testing.T, uid int, script string) {
	t.Helper()
	id := fmt.Sprint(uid)
	if out, err := exec.Command("setpriv", "--reuid="+id, "--regid="+id, "--clear-groups", "sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("as uid %d: %s: %v: %s", uid, script, err, out)
	}
}

// bindConfig is a container file with one read-write bind mount at /share.
func (h *host) bindConfig(file, hostPath string) string {
	return h.file(file, fmt.Sprintf(`{ bindMounts."/share" = { hostPath = %q; isReadOnly = false; }; configuration = { ... }: { }; }`, hostPath))
}

// TestSecBindSourceCannotBeRedirected: no host user but root can change
// what a bind mount's host path resolves to between the check and liblxc's
// mount. A host user who owns a directory on the way (a config author's
// innocent "/home/alice/share") would swap it for a symlink after the
// admin's review, and the next start would bind whatever it points at,
// read-write and id-mapped: the container would read root-only host files
// and write files as host root. So a host path must be root's all the way,
// at create, update and every start, unless host.json trusts its owner.
func TestSecBindSourceCannotBeRedirected(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	const alice = 1000
	rootOnly := filepath.Join(h.dir, "root-only")
	os.Mkdir(rootOnly, 0o700)
	if err := os.WriteFile(filepath.Join(rootOnly, "secret"), []byte("ROOT-ONLY\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	attacked := func(name string) {
		t.Helper()
		if r := h.nixlxc("run", name, "--", "sh", "-c", "cat /share/secret; echo x > /share/planted"); strings.Contains(r.stdout, "ROOT-ONLY") {
			t.Errorf("the container read a root-only host file through a bind source a host user redirected")
		}
		if _, err := os.Stat(filepath.Join(rootOnly, "planted")); err == nil {
			t.Errorf("the container wrote into a root-only host directory through a bind source a host user redirected")
		}
	}

	// Alice's own directory on the way: refused at create, naming it.
	home := filepath.Join(h.dir, "alice")
	share := filepath.Join(home, "share")
	os.MkdirAll(share, 0o755)
	os.Chown(home, alice, alice)
	os.Chown(share, alice, alice)
	mention := []string{`bindMounts."/share"`, home + " is owned by uid 1000", "root's all the way"}
	h.refused("sbswap", mention, "create", "sbswap", h.bindConfig("alice.nix", share))
	extra := h.extraConfig("extra.nix", "lxc.mount.entry = "+share+" mnt none bind,create=dir 0 0")
	h.refused("sbswap", []string{"lxcExtraConfig", home + " is owned by uid 1000"}, "create", "sbswap", extra)

	// In a shared sticky directory (like /tmp), a user's entry is hers to
	// rename: refused too. A root-owned one there is fine.
	shared := filepath.Join(h.dir, "tmp")
	os.Mkdir(shared, 0o755)
	os.Chmod(shared, os.ModeSticky|0o777)
	hers := filepath.Join(shared, "hers")
	os.Mkdir(hers, 0o755)
	os.Chown(hers, alice, alice)
	h.refused("sbswap", []string{hers + " is owned by uid 1000", "sticky"}, "create", "sbswap", h.bindConfig("sticky.nix", hers))
	writable := filepath.Join(h.dir, "group-writable")
	os.MkdirAll(filepath.Join(writable, "share"), 0o755)
	os.Chown(writable, 0, alice)
	os.Chmod(writable, 0o775)
	h.refused("sbswap", []string{writable + " is writable by its group (gid 1000)"}, "create", "sbswap", h.bindConfig("group.nix", filepath.Join(writable, "share")))

	// Root's all the way at create; then the admin hands the directory to
	// alice, who swaps the source for a symlink: the next start refuses.
	srv := filepath.Join(h.dir, "srv")
	data := filepath.Join(srv, "data")
	os.MkdirAll(data, 0o755)
	os.Mkdir(filepath.Join(shared, "roots"), 0o755)
	h.must("create", "sbswap", h.bindConfig("srv.nix", data))
	h.fails(2, []string{home + " is owned by uid 1000"}, "update", "sbswap", h.bindConfig("alice.nix", share))
	h.must("create", "sbsticky", h.bindConfig("roots.nix", filepath.Join(shared, "roots")))
	h.must("destroy", "sbsticky")
	os.Chown(srv, alice, alice)
	asUser(t, alice, "mv "+data+" "+data+".old && ln -s "+rootOnly+" "+data)
	refusedStart := func(mention ...string) {
		t.Helper()
		r := h.nixlxc("start", "sbswap")
		if r.code == 0 {
			t.Errorf("start with a bind source a host user redirected: %s", r)
			attacked("sbswap")
			h.must("stop", "sbswap")
			return
		}
		h.fails(2, append([]string{"starting sbswap"}, mention...), "start", "sbswap")
		if st := h.state("sbswap"); st != "STOPPED" {
			t.Errorf("after the refused start: %s", st)
		}
	}
	refusedStart(srv + " is owned by uid 1000")
	// Her symlink stays hers when the directory is root's again.
	os.Chown(srv, 0, 0)
	refusedStart(data + " is a symlink uid 1000 made")
	h.must("destroy", "--force", "sbswap")

	// The way to share her directory: root binds it to a place of root's,
	// which she cannot move.
	aliceShare := filepath.Join(h.dir, "alice-share")
	os.Mkdir(aliceShare, 0o755)
	os.WriteFile(filepath.Join(share, "hello"), []byte("from alice\n"), 0o644)
	if err := syscall.Mount(share, aliceShare, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	defer syscall.Unmount(aliceShare, syscall.MNT_DETACH)
	h.must("create", "sbmnt", h.bindConfig("mounted.nix", aliceShare))
	h.must("start", "sbmnt")
	if out := h.must("run", "sbmnt", "--", "cat", "/share/hello"); out != "from alice\n" {
		t.Errorf("her directory bound to a root-owned place: %q", out)
	}
	h.must("destroy", "--force", "sbmnt")

	// nixlxc's own directories likewise: root writes in them and liblxc
	// mounts from them. Nothing is made there.
	env := h.env
	h.env = append(h.env, "NIXLXC_STATE_DIR="+filepath.Join(home, "nixlxc"))
	h.fails(2, []string{"state directory", home + " is owned by uid 1000"}, "list")
	h.env = append(env, "NIXLXC_PROFILE_DIR="+filepath.Join(home, "profiles"))
	h.fails(2, []string{"profile directory", home + " is owned by uid 1000"}, "list")
	h.env = env
	if entries, _ := os.ReadDir(home); len(entries) != 1 {
		t.Errorf("nixlxc made directories in %s: %v", home, entries)
	}

	// The admin's opt-in: host.json trusts a user as it trusts root, and
	// a source below her directories binds.
	h.hostJSON(fmt.Sprintf(`{"trustedOwners": ["daemon"], "bindMountSources": [%q]}`, h.dir))
	bob := filepath.Join(h.dir, "daemon-home")
	os.MkdirAll(filepath.Join(bob, "share"), 0o755)
	os.WriteFile(filepath.Join(bob, "share", "hello"), []byte("from the trusted user\n"), 0o644)
	os.Chown(bob, 1, 1)
	h.must("create", "sbtrust", h.bindConfig("trusted.nix", filepath.Join(bob, "share")))
	h.must("start", "sbtrust")
	if out := h.must("run", "sbtrust", "--", "cat", "/share/hello"); out != "from the trusted user\n" {
		t.Errorf("a source below a trusted user's directory: %q", out)
	}
	h.refused("sbswap", []string{home + " is owned by uid 1000", "trustedOwners"}, "create", "sbswap", h.bindConfig("alice2.nix", share))
	h.must("destroy", "--force", "sbtrust")
}

// TestSecBindSourcesAllowlist: only the admin decides which host paths
// containers get (host.json's bindMountSources). A config file's author
// binding /etc read-only (the container's root reads /etc/shadow: the
// mount is id-mapped) and /root read-write (it writes /root/.bashrc as
// host root) is refused at create, update, start and apply, in one line
// saying what to put in host.json, with nothing left; a system tree is
// never bound read-write whatever the admin lists; an allowed directory
// still works.
func TestSecBindSourcesAllowlist(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	attack := h.file("attack.nix", `{ bindMounts = {
  "/hostetc" = { hostPath = "/etc"; };
  "/hostroot" = { hostPath = "/root"; isReadOnly = false; };
}; configuration = { ... }: { }; }`)
	etcOnly := h.file("etc.nix", `{ bindMounts."/hostetc".hostPath = "/etc"; configuration = { ... }: { }; }`)
	rootRW := h.file("root.nix", `{ bindMounts."/hostroot" = { hostPath = "/root"; isReadOnly = false; }; configuration = { ... }: { }; }`)
	howTo := []string{"bindMountSources", h.hostConfig, `"/etc"]}`, "services.nixlxc.bindMountSources"}
	h.refused("bpatk", append([]string{`bindMounts."/hostetc"`, "the host path /etc is outside"}, howTo...), "create", "bpatk", etcOnly)
	h.refused("bpatk", []string{`bindMounts."/hostroot"`, "/root", "system trees", "never read-write"}, "create", "bpatk", rootRW)
	h.refused("bpatk", []string{"/etc", "bindMountSources"}, "create", "bpatk", attack)
	h.refused("bpatk", append([]string{"lxcExtraConfig", "the host path /etc is outside"}, howTo...),
		"create", "bpatk", h.extraConfig("extra.nix", "lxc.mount.entry = /etc mnt none bind,ro,create=dir 0 0"))
	h.refused("bpatk", []string{"lxcExtraConfig", "/root", "system trees"},
		"create", "bpatk", h.extraConfig("extra-rw.nix", "lxc.mount.entry = /root mnt none bind,create=dir 0 0"))

	// Inside an allowed directory, but resolving out of it: a root-owned
	// symlink to /etc, or a path through "..", is refused too.
	allowed := filepath.Join(h.dir, "allowed")
	data := filepath.Join(allowed, "data")
	os.MkdirAll(data, 0o755)
	os.WriteFile(filepath.Join(data, "hello"), []byte("allowed data\n"), 0o644)
	os.Symlink("/etc", filepath.Join(allowed, "etc-link"))
	h.refused("bpatk", []string{"resolves to /etc, which is outside", `"/etc"]}`},
		"create", "bpatk", h.file("link.nix", fmt.Sprintf(`{ bindMounts."/share".hostPath = %q; configuration = { ... }: { }; }`, filepath.Join(allowed, "etc-link"))))
	h.refused("bpatk", []string{"clean"}, "create", "bpatk", h.bindConfig("dotdot.nix", allowed+"/../../../etc"))

	// The admin allows one directory: a source in it works, read-only
	// and read-write; everything else is still refused.
	h.hostJSON(fmt.Sprintf(`{ "bindMountSources": [%q] }`, allowed))
	h.refused("bpatk", append([]string{"the host path /etc is outside", allowed}, howTo...), "create", "bpatk", etcOnly)
	h.must("create", "bpok", h.bindConfig("ok.nix", data))
	h.must("start", "bpok")
	if out := h.must("run", "bpok", "--", "sh", "-c", "cat /share/hello; echo written > /share/new"); out != "allowed data\n" {
		t.Errorf("the allowed bind mount inside: %q", out)
	}
	if b, err := os.ReadFile(filepath.Join(data, "new")); err != nil || string(b) != "written\n" {
		t.Errorf("the allowed read-write bind mount was not written: %q, %v", b, err)
	}
	h.must("stop", "bpok")

	// update to the attack: refused, nothing changed.
	config := filepath.Join(h.stateDir, "lxc", "bpok", "config")
	before, _ := os.ReadFile(config)
	h.fails(2, []string{"the host path /etc is outside", "bindMountSources"}, "update", "bpok", attack)
	if after, _ := os.ReadFile(config); string(after) != string(before) {
		t.Errorf("a refused update changed the LXC config")
	}
	if gens := h.generations("bpok"); len(gens) != 1 {
		t.Errorf("a refused update made a generation: %+v", gens)
	}

	// The admin takes the directory back: the next start refuses.
	h.hostJSON(`{ "bindMountSources": [ "/srv/elsewhere" ] }`)
	h.fails(2, []string{"starting bpok", "the host path " + data + " is outside", `"` + data + `"]}`}, "start", "bpok")
	if st := h.state("bpok"); st != "STOPPED" {
		t.Errorf("after the refused start: %s", st)
	}

	// Even an admin who lists / does not open a system tree read-write.
	h.hostJSON(`{ "bindMountSources": [ "/" ] }`)
	h.refused("bpatk", []string{"/root", "system trees", "never read-write"}, "create", "bpatk", rootRW)
	h.refused("bpatk", []string{"/etc", "system trees"}, "create", "bpatk", h.bindConfig("etc-rw.nix", "/etc"))
	h.must("destroy", "bpok")

	// A declaration for apply, the same (apply exits 1 when a container
	// failed, with the container's line on stdout).
	h.hostJSON(fmt.Sprintf(`{ "bindMountSources": [%q] }`, allowed))
	decl := h.file("containers.nix", `{ bpdecl = { config = { ... }: { }; bindMounts."/hostetc".hostPath = "/etc"; }; }`)
	r := h.nixlxc("apply", decl)
	if r.code != 1 || !strings.Contains(r.stdout, `apply: bpdecl failed: `) || !strings.Contains(r.stdout, `the host path /etc is outside host.json's bindMountSources`) {
		t.Errorf("apply of a declaration binding /etc: %s", r)
	}
	if left := h.leftovers("bpdecl"); len(left) > 0 {
		t.Errorf("the refused apply left %v", left)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "hostetc")); err == nil {
		t.Errorf("a refused bind made a directory")
	}
}

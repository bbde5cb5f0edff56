package container

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// findings runs doctor and returns its findings, one line each.
func (tm *testManager) doctor(repair bool) []Finding {
	tm.t.Helper()
	f, err := tm.Doctor(ctx, repair)
	if err != nil {
		tm.t.Fatal(err)
	}
	return f
}

// repairAll repairs everything and checks a second doctor finds nothing.
func (tm *testManager) repairAll(what string) []Finding {
	tm.t.Helper()
	found := tm.doctor(true)
	for _, f := range found {
		if !f.Repaired {
			tm.t.Errorf("%s: not repaired: %+v", what, f)
		}
	}
	if again := tm.doctor(false); len(again) > 0 {
		tm.t.Errorf("%s: a second doctor found %+v", what, again)
	}
	return found
}

func mentions(fs []Finding, word string) bool {
	for _, f := range fs {
		if strings.Contains(f.Problem, word) {
			return true
		}
	}
	return false
}

func TestDoctorLeftovers(t *testing.T) {
	tm := newTestManager(t)
	if f := tm.doctor(false); len(f) > 0 {
		t.Fatalf("a new installation: %+v", f)
	}
	tm.must(tm.Create(ctx, "keep", tm.config("k.json", "k", map[string]any{"network": map[string]any{"enableNat": true}}), CreateOptions{}))
	before, _ := tm.ShowIP(ctx, "keep")

	// What killed commands leave: a directory without a record, a
	// profile of no container, leases of none, a lock file, a dead
	// build's link, a GC root of nothing, a stale veth.
	os.MkdirAll(tm.paths.rootfs("ghost"), 0o755)
	profile := filepath.Dir(tm.paths.profile("orphan").Path)
	os.MkdirAll(profile, 0o755)
	tm.must(tm.recs.claimProfile("orphan"))
	os.WriteFile(tm.paths.lockPath("gone"), nil, 0o600)
	os.Symlink("/nix/store/x", filepath.Join(tm.paths.tmpDir(), "build-gone-999999"))
	os.MkdirAll(tm.paths.gcRootDir, 0o755)
	os.Symlink(filepath.Join(tm.paths.profileDir, "gone/system-1-link"), filepath.Join(tm.paths.gcRootDir, "dangling"))
	tm.host.stale = []string{"nh-stale"}
	tm.host.recorded = false
	os.MkdirAll(tm.paths.stateDir, 0o711)

	found := tm.repairAll("leftovers")
	for _, want := range []string{"ghost", "orphan", "gone: lock", "build-gone", "dangling", "nh-stale"} {
		if !mentions(found, want) {
			t.Errorf("doctor did not find %s: %+v", want, found)
		}
	}
	for _, p := range []string{tm.paths.containerDir("ghost"), profile, tm.paths.lockPath("gone")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	if !strings.Contains(strings.Join(tm.host.deleted, " "), "nh-stale") {
		t.Errorf("deleted veths %v", tm.host.deleted)
	}
	if after, _ := tm.ShowIP(ctx, "keep"); after.Hostonly.IPv4 != before.Hostonly.IPv4 {
		t.Errorf("the container's address moved: %+v", after.Hostonly)
	}
}

func TestDoctorRecordsAndDatabase(t *testing.T) {
	tm := newTestManager(t)
	nat := map[string]any{"network": map[string]any{"enableNat": true}}
	tm.must(tm.Create(ctx, "one", tm.config("1.json", "1", nat), CreateOptions{}))
	tm.must(tm.Create(ctx, "two", tm.config("2.json", "2", nat), CreateOptions{}))
	before, _ := tm.ShowIP(ctx, "two")

	// A lost database: every container leases again at its numbers.
	tm.Close()
	tm.net.leases = nil
	for _, f := range []string{"nixlxc.db", "nixlxc.db-wal", "nixlxc.db-shm"} {
		os.Remove(filepath.Join(tm.paths.stateDir, f))
	}
	tm.repairAll("lost database")
	if after, _ := tm.ShowIP(ctx, "two"); after.Hostonly.IPv4 != before.Hostonly.IPv4 || after.Internet.MAC != before.Internet.MAC {
		t.Errorf("after a lost database two holds %+v %+v, it used %+v %+v", after.Hostonly, after.Internet, before.Hostonly, before.Internet)
	}

	// A garbage database: set aside, then the same.
	tm.Close()
	tm.net.leases = nil
	os.WriteFile(tm.paths.dbPath(), []byte(strings.Repeat("no database ", 500)), 0o600)
	if _, err := tm.List(ctx); err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Errorf("List with a garbage database: %v", err)
	}
	found := tm.repairAll("garbage database")
	if !mentions(found, "unreadable") {
		t.Errorf("doctor did not name the unreadable database: %+v", found)
	}
	if after, _ := tm.ShowIP(ctx, "two"); after.Hostonly.IPv4 != before.Hostonly.IPv4 {
		t.Errorf("after a garbage database two holds %+v", after.Hostonly)
	}

	// An unreadable record: rebuilt from the LXC config and the profile.
	rec, _ := tm.recs.load("one")
	os.WriteFile(tm.paths.recordPath("one"), []byte("{ garbage"), 0o600)
	if s, err := tm.State(ctx, "one"); err != nil || s == "" {
		t.Errorf("State with an unreadable record: %q, %v", s, err)
	}
	tm.repairAll("unreadable record")
	back, err := tm.recs.load("one")
	if err != nil || back.IDMapBase != rec.IDMapBase || back.Settings.Network != rec.Settings.Network {
		t.Errorf("rebuilt record %+v, %v; was %+v", back, err, rec)
	}

	// An interrupted destroy: finished.
	back.Destroying = true
	tm.must(tm.recs.save(back))
	tm.repairAll("interrupted destroy")
	if tm.Exists("one") {
		t.Error("doctor did not finish the destroy")
	}
}

func TestDoctorTrustsTheHost(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "web", tm.config("1.json", "1", nil), CreateOptions{}))
	tm.must(tm.Update(ctx, "web", tm.config("2.json", "2", nil), UpdateOptions{}))
	tm.must(tm.Start(ctx, "web", StartOptions{}))
	gens, _ := tm.ListGenerations(ctx, "web")

	// The container claims generation 1: reported, never followed.
	os.WriteFile(filepath.Join(tm.paths.runDir("web"), "current"), []byte(gens[0].Path+"\x1b[2J\n"), 0o644)
	found := tm.doctor(true)
	if len(found) != 1 || found[0].Repaired || found[0].Advice == "" || strings.Contains(found[0].Problem, "\x1b") {
		t.Errorf("a container's false report: %+v", found)
	}
	if g, _ := tm.recs.current("web"); g.Number != 2 {
		t.Errorf("the report moved the profile to %d", g.Number)
	}
	os.Remove(filepath.Join(tm.paths.runDir("web"), "current"))

	// The profile moved behind nixlxc's back while it runs generation 2:
	// back to what nixlxc activated.
	tm.must(tm.recs.switchProfile(ctx, "web", 1))
	found = tm.repairAll("moved profile")
	if g, _ := tm.recs.current("web"); g.Number != 2 || !mentions(found, "activated") {
		t.Errorf("after the repair generation %d is current: %+v", g.Number, found)
	}

	// A lost current link: pointed at what runs.
	os.Remove(tm.paths.profile("web").Path)
	tm.repairAll("lost link")
	if g, _ := tm.recs.current("web"); g.Number != 2 {
		t.Errorf("the lost link points at %d", g.Number)
	}
}

// TestDoctorRestoresChangedRules: a rule deleted or changed behind
// nixlxc's back is found and set up again.
func TestDoctorRestoresChangedRules(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.HostSetup(ctx))
	tm.host.diffs = []string{"rules of chain forward of nftables table inet nixlxc changed"}
	found := tm.doctor(true)
	if len(found) != 1 || !strings.Contains(found[0].Problem, "chain forward") || !found[0].Repaired || tm.host.setups != 2 {
		t.Errorf("findings %+v after %d setups", found, tm.host.setups)
	}
}

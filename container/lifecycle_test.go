package container

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/autostart"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/nixsys"
)

var ctx = context.Background()

func TestCreateStartStopDestroy(t *testing.T) {
	tm := newTestManager(t)
	nat := map[string]any{"network": map[string]any{"enableNat": true}, "autostart": true}
	tm.must(tm.Create(ctx, "web", tm.config("web.json", "one", nat), CreateOptions{}))
	if !tm.Exists("web") || tm.Exists("nope") || tm.Exists("../x") {
		t.Fatal("Exists disagrees with create")
	}
	if !strings.Contains(tm.said(), "created web: generation 1") {
		t.Errorf("create said %q", tm.said())
	}
	config, err := os.ReadFile(tm.paths.configPath("web"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lxc.net.0.ipv4.address = 10.101.0.2/16", "lxc.net.1.ipv4.address = 10.202.0.2/16", "lxc.start.auto = 1", "lxc.idmap = u 0 100000 65536"} {
		if !bytes.Contains(config, []byte(want)) {
			t.Errorf("the LXC config lacks %q:\n%s", want, config)
		}
	}
	ip, err := tm.ShowIP(ctx, "web")
	if err != nil || ip.Hostonly == nil || ip.Internet == nil || ip.Hostonly.IPv4 != "10.101.0.2/16" || ip.Internet.HostVeth != "ni-web" || ip.Internet.Gateway4 != "10.202.0.1" {
		t.Errorf("ShowIP = %+v %+v, %v", ip.Hostonly, ip.Internet, err)
	}
	if err := tm.Create(ctx, "web", tm.config("web.json", "one", nil), CreateOptions{}); KindOf(err) != KindExists {
		t.Errorf("a second create: %v", err)
	}

	tm.must(tm.Start(ctx, "web", StartOptions{Timeout: 5 * time.Second}))
	if s, _ := tm.State(ctx, "web"); s != lxcapi.Running {
		t.Errorf("state after start = %s", s)
	}
	if !tm.host.Recorded() {
		t.Error("start did not set the host's network up")
	}
	rec, _ := tm.recs.load("web")
	if cur, _ := tm.recs.currentSystem("web"); rec.Active != cur {
		t.Errorf("the record says %q is active, the profile %q", rec.Active, cur)
	}
	tm.must(tm.Start(ctx, "web", StartOptions{}))
	if !strings.Contains(tm.said(), "web is already running") {
		t.Error("a second start did not say it runs")
	}
	list, err := tm.List(ctx)
	if err != nil || len(list) != 1 || list[0].State != lxcapi.Running || list[0].IPv4 != "10.101.0.2" || list[0].Generation != 1 || !list[0].Autostart.Enable {
		t.Errorf("List = %+v, %v", list, err)
	}
	if err := tm.Destroy(ctx, "web", false); KindOf(err) != KindState {
		t.Errorf("destroying a running container without force: %v", err)
	}
	tm.must(tm.Stop(ctx, "web", time.Second))
	tm.must(tm.Stop(ctx, "web", time.Second))
	if !strings.Contains(tm.said(), "web is not running") {
		t.Error("stopping a stopped container said nothing")
	}
	tm.must(tm.Start(ctx, "web", StartOptions{}))
	if tm.lxc.starts["web"] != 2 {
		t.Errorf("%d starts", tm.lxc.starts["web"])
	}
	tm.must(tm.Terminate(ctx, "web"))
	tm.must(tm.Destroy(ctx, "web", false))
	if left := tm.leftovers("web"); len(left) > 0 {
		t.Errorf("left after destroy: %v", left)
	}
	if _, err := tm.State(ctx, "web"); KindOf(err) != KindNotFound {
		t.Errorf("State of a destroyed container: %v", err)
	}
	// Its addresses are free: the next container gets them.
	tm.must(tm.Create(ctx, "next", tm.config("next.json", "two", nil), CreateOptions{}))
	if ip, _ := tm.ShowIP(ctx, "next"); ip.Hostonly.IPv4 != "10.101.0.2/16" {
		t.Errorf("the next container got %s", ip.Hostonly.IPv4)
	}
}

func TestCreateFailuresLeaveNothing(t *testing.T) {
	tm := newTestManager(t)
	good := tm.config("good.json", "one", nil)
	for _, tt := range []struct {
		what string
		name string
		file string
		nix  error
		kind Kind
	}{
		{"a bad name", "Bad_Name", good, nil, KindInvalid},
		{"a missing file", "c", filepath.Join(tm.dir, "missing.nix"), nil, KindInvalid},
		{"an unknown setting", "c", tm.config("unknown.json", "x", map[string]any{"unknown": []string{"colour"}}), nil, KindInvalid},
		{"a static address out of the subnet", "c", tm.config("static.json", "x", map[string]any{"network": map[string]any{"ip": "10.9.9.9"}}), nil, KindInvalid},
		{"a failed build", "c", good, &nixsys.Error{Op: "building", Stderr: "error: boom", Err: errors.New("exit status 1")}, KindBuild},
	} {
		tm.nix.fail = tt.nix
		err := tm.Create(ctx, tt.name, tt.file, CreateOptions{})
		if KindOf(err) != tt.kind {
			t.Errorf("%s: %v, want kind %d", tt.what, err, tt.kind)
		}
		if left := tm.leftovers(tt.name); len(left) > 0 {
			t.Errorf("%s: left %v", tt.what, left)
		}
	}
	tm.nix.fail = nil
	all, _ := tm.net.allAddresses()
	if len(all) != 0 {
		t.Errorf("leases left: %v", all)
	}
	if f, _ := tm.Doctor(ctx, false); len(f) > 0 {
		t.Errorf("doctor after failed creates: %+v", f)
	}
}

func TestGenerationsMove(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "gen", tm.config("v1.json", "one", nil), CreateOptions{}))
	v2 := tm.config("v2.json", "two", map[string]any{"limits": map[string]any{"pids": 100}})
	tm.must(tm.Update(ctx, "gen", v2, UpdateOptions{}))
	if !strings.Contains(tm.said(), "gen: generation 2 is current; it boots at the next start") {
		t.Errorf("a stopped container's update said %q", tm.said())
	}
	tm.must(tm.Update(ctx, "gen", v2, UpdateOptions{}))
	if !strings.Contains(tm.said(), "the system is unchanged") {
		t.Error("an unchanged update did not say so")
	}
	gens, err := tm.ListGenerations(ctx, "gen")
	if err != nil || len(gens) != 2 || !gens[1].Current {
		t.Fatalf("generations %+v, %v", gens, err)
	}
	config, _ := os.ReadFile(tm.paths.configPath("gen"))
	if !bytes.Contains(config, []byte("pids.max = 100\n")) {
		t.Errorf("generation 2's limit is not rendered:\n%s", config)
	}
	tm.must(tm.Rollback(ctx, "gen"))
	if g, _ := tm.recs.current("gen"); g.Number != 1 {
		t.Errorf("after rollback generation %d is current", g.Number)
	}
	if config, _ := os.ReadFile(tm.paths.configPath("gen")); bytes.Contains(config, []byte("pids.max = 100\n")) {
		t.Error("after rollback generation 2's limit is still rendered")
	}
	if err := tm.Rollback(ctx, "gen"); KindOf(err) != KindNotFound {
		t.Errorf("a rollback from the first generation: %v", err)
	}
	tm.must(tm.SwitchGeneration(ctx, "gen", 2))
	tm.must(tm.SwitchGeneration(ctx, "gen", 2))
	if err := tm.SwitchGeneration(ctx, "gen", 9); KindOf(err) != KindNotFound {
		t.Errorf("switching to a missing generation: %v", err)
	}
	if _, err := tm.DeleteGenerations(ctx, "gen", []string{"2"}); KindOf(err) != KindInvalid {
		t.Errorf("deleting the current generation: %v", err)
	}
	deleted, err := tm.DeleteGenerations(ctx, "gen", []string{"old"})
	if err != nil || len(deleted) != 1 || deleted[0] != 1 {
		t.Errorf("delete old: %v, %v", deleted, err)
	}
	if err := tm.Update(ctx, "nope", v2, UpdateOptions{}); KindOf(err) != KindNotFound {
		t.Errorf("updating a missing container: %v", err)
	}
}

// switchAnswers makes the fake container answer activations and systemd's
// health queries: switch exits with status, and failed units are listed
// after a switch to a system whose name contains failing.
func switchAnswers(status int, failing string) func(name string, argv []string) (int, string) {
	var active string
	return func(name string, argv []string) (int, string) {
		switch {
		case strings.HasSuffix(argv[0], "/bin/switch-to-configuration"):
			active = argv[0]
			if failing != "" && strings.Contains(active, failing) {
				return status, "switching\n\x1b]52;c;evil\x07starting broken\n"
			}
			return 0, "switching\n"
		case len(argv) > 1 && argv[1] == "is-system-running":
			if failing != "" && strings.Contains(active, failing) {
				return 1, "degraded\n"
			}
			return 0, "running\n"
		case len(argv) > 1 && argv[1] == "list-units":
			if failing != "" && strings.Contains(active, failing) {
				return 0, "broken.service loaded failed failed broken\n"
			}
			return 0, ""
		}
		return 127, ""
	}
}

func TestUpdateInPlace(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "live", tm.config("v1.json", "one", nil), CreateOptions{}))
	tm.must(tm.Start(ctx, "live", StartOptions{}))
	tm.lxc.run = switchAnswers(4, "")
	tm.must(tm.Update(ctx, "live", tm.config("v2.json", "two", nil), UpdateOptions{}))
	if !strings.Contains(tm.said(), "live: generation 2 is active") {
		t.Errorf("update said %q", tm.said())
	}
	rec, _ := tm.recs.load("live")
	if cur, _ := tm.recs.currentSystem("live"); rec.Active != cur {
		t.Error("the record does not say generation 2 is active")
	}

	// A generation whose units fail: --auto-rollback brings the last back.
	tm.lxc.run = switchAnswers(4, "")
	bad := tm.config("bad.json", "broken", nil)
	tm.lxc.run = func(name string, argv []string) (int, string) { return 0, "" }
	system, _, err := tm.build(ctx, &record{Name: "live", ConfigFile: bad}, rec.Settings, "10.101.0.2")
	if err != nil {
		t.Fatal(err)
	}
	tm.lxc.run = switchAnswers(4, filepath.Base(system))
	err = tm.Update(ctx, "live", bad, UpdateOptions{AutoRollback: true, HealthTimeout: time.Second})
	if KindOf(err) != KindActivate || !strings.Contains(err.Error(), "rolled back to generation 2") || !strings.Contains(err.Error(), "broken") {
		t.Errorf("a failing update with --auto-rollback: %v", err)
	}
	if g, _ := tm.recs.current("live"); g.Number != 2 {
		t.Errorf("after the rollback generation %d is current", g.Number)
	}
	// The container's output reached the caller line by line, cleaned.
	var out []string
	for _, e := range tm.events {
		if e.Kind == Output {
			out = append(out, e.Text)
		}
	}
	if len(out) == 0 || strings.ContainsAny(strings.Join(out, ""), "\x1b\x07") {
		t.Errorf("activation output %q", out)
	}
	// Without --auto-rollback the failed generation stays, and says so.
	err = tm.Update(ctx, "live", bad, UpdateOptions{})
	if KindOf(err) != KindActivate || !strings.Contains(err.Error(), "units failed: broken") {
		t.Errorf("a failing update: %v", err)
	}
	if g, _ := tm.recs.current("live"); g.Number != 3 {
		t.Errorf("after a failed activation generation %d is current, want 3 (what runs)", g.Number)
	}
}

func TestRunAndLogin(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "sh", tm.config("v1.json", "one", nil), CreateOptions{}))
	if _, err := tm.Run(ctx, "sh", []string{"true"}, Stdio{}); KindOf(err) != KindState {
		t.Errorf("running in a stopped container: %v", err)
	}
	if _, err := tm.Run(ctx, "sh", nil, Stdio{}); KindOf(err) != KindInvalid {
		t.Errorf("running nothing: %v", err)
	}
	tm.must(tm.Start(ctx, "sh", StartOptions{}))
	tm.lxc.run = func(name string, argv []string) (int, string) { return 3, "" }
	if status, err := tm.Run(ctx, "sh", []string{"false"}, Stdio{}); status != 3 || err != nil {
		t.Errorf("Run = %d, %v", status, err)
	}
	if status, err := tm.Login(ctx, "sh", Stdio{}); status != 3 || err != nil {
		t.Errorf("Login = %d, %v", status, err)
	}
}

// Run reads only what it needs of the record (records.present), and
// still refuses what usable refuses: no record, a destroy in progress, a
// record that is not whole JSON or names another container.
func TestRunReadsTheRecord(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "rec", tm.config("v1.json", "one", nil), CreateOptions{}))
	tm.must(tm.Start(ctx, "rec", StartOptions{}))
	path := tm.paths.recordPath("rec")
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what   string
		record string
		want   error
	}{
		{"no record", "", ErrNotFound},
		{"a destroy in progress", strings.Replace(string(whole), "{", `{"destroying": true,`, 1), ErrNotFound},
		{"a cut record", string(whole[:len(whole)/2]), ErrCorrupt},
		{"another container's record", strings.Replace(string(whole), `"name": "rec"`, `"name": "other"`, 1), ErrCorrupt},
	} {
		if c.record == "" {
			os.Remove(path)
		} else {
			os.WriteFile(path, []byte(c.record), 0o600)
		}
		if _, err := tm.Run(ctx, "rec", []string{"true"}, Stdio{}); !errors.Is(err, c.want) {
			t.Errorf("%s: %v", c.what, err)
		}
	}
	os.WriteFile(path, whole, 0o600)
	if status, err := tm.Run(ctx, "rec", []string{"true"}, Stdio{}); status != 0 || err != nil {
		t.Errorf("Run = %d, %v", status, err)
	}
}

func TestHostNetwork(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.HostSetup(ctx))
	if !tm.host.Recorded() || !strings.Contains(tm.said(), "host network ready") {
		t.Errorf("setup: %q", tm.said())
	}
	tm.host.ports = []string{"nh-other"}
	if err := tm.HostTeardown(ctx, false); KindOf(err) != KindState || !strings.Contains(err.Error(), "nh-other") {
		t.Errorf("teardown with another installation's containers on the bridges: %v", err)
	}
	tm.must(tm.HostTeardown(ctx, true))
	if tm.host.Recorded() {
		t.Error("teardown left the setup")
	}
}

func TestStartRefusesAVethInUse(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "twin", tm.config("v1.json", "one", nil), CreateOptions{}))
	tm.host.inUse["nh-twin"] = true
	if err := tm.Start(ctx, "twin", StartOptions{}); KindOf(err) != KindExists || !strings.Contains(err.Error(), "nh-twin") {
		t.Errorf("a start over another installation's veth: %v", err)
	}
	if len(tm.host.deleted) > 0 {
		t.Errorf("deleted %v", tm.host.deleted)
	}
}

func TestStartThatDoesNotBoot(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "slow", tm.config("v1.json", "one", nil), CreateOptions{}))
	tm.lxc.noBoot = true
	err := tm.Start(ctx, "slow", StartOptions{Timeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "did not report booted") {
		t.Errorf("a start that never boots: %v", err)
	}
	tm.must(tm.Terminate(ctx, "slow"))
	tm.lxc.startErr = errors.New("liblxc: no rootfs")
	if err := tm.Start(ctx, "slow", StartOptions{}); err == nil || !strings.Contains(err.Error(), "no rootfs") {
		t.Errorf("a failing start: %v", err)
	}
}

// starter starts in-process, for the order and outcomes only.
type inProcess struct{ m *Manager }

func (s inProcess) Start(ctx context.Context, name string) (bool, error) {
	if st, _ := s.m.State(ctx, name); st == lxcapi.Running {
		return true, nil
	}
	return false, s.m.Start(ctx, name, StartOptions{Timeout: time.Second})
}
func (s inProcess) Kill(ctx context.Context, name string) error { return s.m.Terminate(ctx, name) }

func TestAutostartAndShutdownAll(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "early", tm.config("a.json", "a", map[string]any{"autostart": map[string]any{"enable": true, "order": 1}}), CreateOptions{}))
	tm.must(tm.Create(ctx, "late", tm.config("b.json", "b", map[string]any{"autostart": map[string]any{"enable": true, "order": 2}}), CreateOptions{}))
	tm.must(tm.Create(ctx, "manual", tm.config("c.json", "c", nil), CreateOptions{}))
	res, err := tm.Autostart(ctx, inProcess{tm.Manager}, autostart.Options{Parallel: 2, Attempts: 1})
	if err != nil || strings.Join(res.Started, ",") != "early,late" || len(res.Failed) > 0 {
		t.Errorf("Autostart = %+v, %v", res, err)
	}
	tm.must(tm.Start(ctx, "manual", StartOptions{}))
	stop, err := tm.ShutdownAll(ctx, time.Second, 2, nil)
	if err != nil || strings.Join(stop.Stopped, ",") != "early,late,manual" {
		t.Errorf("ShutdownAll = %+v, %v", stop, err)
	}
	if a := tm.lxc.Active(); len(a) > 0 {
		t.Errorf("still running: %v", a)
	}
}

func TestDefaultPidsLimit(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "lim", tm.config("v1.json", "one", nil), CreateOptions{}))
	config, _ := os.ReadFile(tm.paths.configPath("lim"))
	if !bytes.Contains(config, []byte("pids.max = 4096\n")) {
		t.Errorf("no default pids limit:\n%s", config)
	}
}

package diagnose

import (
	"reflect"
	"strings"
	"testing"
)

var gens = []Generation{{1, "/nix/store/a-sys"}, {2, "/nix/store/b-sys"}, {3, "/nix/store/c-sys"}}

func healthy(name string) Container {
	return Container{Name: name, Current: "/nix/store/c-sys", Generations: gens}
}

// summary is what a test compares: repair and subject, or advice.
func summary(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		s := f.Subject + ":"
		switch {
		case f.Repair == PointProfile:
			s += "point" + string(rune('0'+f.Generation))
		case f.Repair != NoRepair:
			s += repairNames[f.Repair]
		default:
			s += "advice"
		}
		out = append(out, s)
	}
	return out
}

var repairNames = map[Repair]string{
	ResetLeaseDB: "resetdb", RebuildRecord: "rebuild", FinishDestroy: "destroy", DestroyThrowaway: "rmthrowaway", RemoveContainerDir: "rmdir",
	RemoveProfile: "rmprofile", ReleaseLeases: "release", ReleaseSharedRange: "releaseshared", LeaseAgain: "lease",
	DeleteVeth: "veth", RemoveBuild: "build", RemoveGCRoot: "gcroot", RemoveLock: "lock", SetUpHost: "setup",
	TearDownHost: "teardown", RemoveCgroup: "cgroup", UnmountRootfs: "unmount", RemoveForwards: "rmforwards",
	SyncForwards: "forwards",
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		l    Listing
		want []string
	}{
		{"nothing", Listing{}, []string{}},
		{"healthy containers", Listing{
			Containers: []Container{healthy("a"), running(healthy("b"))},
			Holders:    map[string][]string{"a": {"hostonly/4"}, "b": {"hostonly/4"}},
			Host:       Host{Recorded: true, Present: []string{"x", "y", "z"}},
		}, []string{}},
		{"interrupted create and destroy", Listing{
			Containers: []Container{{Name: "c", Record: RecordMissing}, {Name: "d", Destroying: true}, healthy("e")},
		}, []string{"d:destroy", "c:rmdir"}},
		{"busy containers are left alone", Listing{
			Containers: []Container{{Name: "c", Record: RecordMissing, Busy: true}, {Name: "d", Destroying: true, Busy: true}},
			Holders:    map[string][]string{"c": {"hostonly/4"}, "x": {"idmap"}},
			Profiles:   []Profile{{Name: "p", Owner: OwnerUs, Busy: true}},
			Locks:      []string{"c"},
		}, []string{"x:release"}},
		{"leases of containers that do not exist", Listing{
			Containers: []Container{healthy("a")},
			Holders:    map[string][]string{"a": {"hostonly/4"}, "zz": {"hostonly/4", "idmap"}, "gone": {"idmap"}},
		}, []string{"gone:release", "zz:release"}},
		{"missing leases", Listing{
			Containers: []Container{func() Container { c := healthy("a"); c.MissingLeases = []string{"idmap"}; return c }()},
			Holders:    map[string][]string{"a": {"hostonly/4"}},
		}, []string{"a:lease"}},
		{"a lost database: reset, then every container leases again", Listing{
			Containers: []Container{healthy("b"), healthy("a"), {Name: "d", Destroying: true}},
			LeaseDBErr: "file is not a database",
			Holders:    nil,
		}, []string{"database:resetdb", "d:destroy", "a:lease", "b:lease"}},
		{"an unreadable record is rebuilt before its leases are taken", Listing{
			Containers: []Container{func() Container {
				c := healthy("a")
				c.Record, c.MissingLeases = RecordCorrupt, []string{"hostonly/4", "idmap"}
				return c
			}()},
			Holders: map[string][]string{},
		}, []string{"a:rebuild", "a:lease"}},
		{"an unreadable record keeps its leases", Listing{
			Containers: []Container{func() Container { c := healthy("a"); c.Record = RecordCorrupt; return c }()},
			Holders:    map[string][]string{"a": {"hostonly/4", "hostonly/mac", "idmap"}, "b": {"idmap"}},
		}, []string{"a:rebuild", "b:release"}},
		{"profiles: ours removed, another installation's kept, an older nixlxc's reported", Listing{
			Containers: []Container{healthy("a")},
			Profiles:   []Profile{{Name: "mine", Owner: OwnerUs}, {Name: "theirs", Owner: OwnerOther}, {Name: "nixos", Owner: OwnerNone}, {Name: "old", Owner: OwnerUnknown}, {Name: "a", Owner: OwnerUs}},
		}, []string{"mine:rmprofile", "old:advice"}},
		{"no current generation", Listing{
			Containers: []Container{{Name: "a", Generations: gens}, {Name: "b", Generations: gens, Running: true, Active: "/nix/store/a-sys"}, {Name: "c"}},
		}, []string{"a:point3", "b:point1", "c:advice"}},
		{"the profile moved away from what nixlxc activated", Listing{
			Containers: []Container{func() Container { c := running(healthy("a")); c.Active = "/nix/store/b-sys"; return c }()},
		}, []string{"a:point2"}},
		{"a stopped container boots its profile: no mismatch", Listing{
			Containers: []Container{func() Container {
				c := healthy("a")
				c.Active = "/nix/store/b-sys"
				c.Reported = "/nix/store/a-sys"
				return c
			}()},
		}, []string{}},
		{"activated a system no generation holds", Listing{
			Containers: []Container{func() Container { c := running(healthy("a")); c.Active = "/nix/store/gone"; return c }()},
		}, []string{"a:advice"}},
		{"the container's own report is never followed", Listing{
			Containers: []Container{func() Container {
				c := running(healthy("a"))
				c.Active, c.Reported = "/nix/store/c-sys", "/nix/store/a-sys"
				return c
			}()},
		}, []string{"a:advice"}},
		{"a report agreeing with the record", Listing{
			Containers: []Container{func() Container {
				c := running(healthy("a"))
				c.Active, c.Reported = "/nix/store/c-sys", "/nix/store/c-sys"
				return c
			}()},
		}, []string{}},
		{"host objects", Listing{
			StaleVeths: []string{"nh-y", "nh-x"},
			Builds:     []Build{{Path: "/s/tmp/build-a-1", Alive: true}, {Path: "/s/tmp/build-b-2"}},
			GCRoots:    []GCRoot{{Path: "/g/1", TargetExists: true}, {Path: "/g/2"}},
			Locks:      []string{"gone"},
			Cgroups:    []string{"/sys/fs/cgroup/pids/lxc.monitor.a"},
			Unchecked:  []Unchecked{{Check: "host veths", Err: "boom"}},
		}, []string{"nh-x:veth", "nh-y:veth", "/s/tmp/build-b-2:build", "/g/2:gcroot", "gone:lock", "/sys/fs/cgroup/pids/lxc.monitor.a:cgroup", "host veths:advice"}},
		{"shared range without users", Listing{Holders: map[string][]string{}, SharedRangeHeld: true}, []string{"shared id range:releaseshared"}},
		{"shared range in use", Listing{Holders: map[string][]string{}, SharedRangeHeld: true, SharedUsers: 1}, []string{}},
		{"host network incomplete", Listing{Host: Host{Recorded: true, Present: []string{"brNC-hostonly"}, Differences: []string{"no bridge brNC-internet"}}}, []string{"host network:setup"}},
		{"a rule of the host network changed", Listing{Host: Host{Recorded: true, Present: []string{"brNC-hostonly", "brNC-internet", "nftables table inet nixlxc"},
			Differences: []string{"rules of chain forward of nftables table inet nixlxc changed"}}}, []string{"host network:setup"}},
		{"host network down (a reboot)", Listing{Host: Host{Recorded: true, Differences: []string{"no bridge brNC-hostonly"}}}, []string{}},
		// Another installation's network: advice, never a repair, even
		// with containers of this one, and whatever is missing.
		{"host network of another installation", Listing{
			Containers: []Container{healthy("a")},
			Host:       Host{Recorded: true, Present: []string{"brNC-hostonly"}, Differences: []string{"x"}, Other: "/srv/other"},
		}, []string{"host network:advice"}},
		{"host network of another installation, unrecorded here", Listing{Host: Host{Present: []string{"brNC-hostonly"}, Other: "/srv/other"}}, []string{"host network:advice"}},
		{"unmarked host network with another installation's running containers", Listing{Host: Host{Present: []string{"brNC-hostonly"}, InUse: true, OtherUnmarked: []string{"nh-x"}}}, []string{"host network:advice"}},
		{"host network unrecorded, containers left", Listing{
			Containers: []Container{healthy("a")},
			Host:       Host{Present: []string{"brNC-hostonly"}},
		}, []string{"host network:setup"}},
		{"host network unrecorded, no container", Listing{Host: Host{Present: []string{"brNC-hostonly"}}}, []string{"host network:teardown"}},
		{"host network unmarked, with running containers of an older nixlxc", Listing{Host: Host{Present: []string{"brNC-hostonly"}, InUse: true}}, []string{}},
		{"port forwards: a gone container's removed, a container's set again after its leases", Listing{
			Containers: []Container{
				func() Container {
					c := healthy("a")
					c.ForwardsWrong, c.MissingLeases = "are 0 rules in nixlxc's tables, not 2", []string{"idmap"}
					return c
				}(),
				{Name: "busy", Record: RecordMissing, Busy: true},
			},
			Holders:   map[string][]string{"a": {"hostonly/4"}},
			Forwarded: []string{"a", "gone", "busy"},
		}, []string{"gone:rmforwards", "a:lease", "a:forwards"}},
		{"a stopped ephemeral container's root is unmounted before anything else of it", Listing{
			Containers: []Container{
				func() Container { c := healthy("a"); c.EphemeralMounted = true; return c }(),
				{Name: "b", Destroying: true, EphemeralMounted: true},
			},
		}, []string{"a:unmount", "b:destroy"}},
		{"a run --rm container whose nixlxc is gone is destroyed, and nothing else of it repaired", Listing{
			Containers: []Container{
				func() Container { c := healthy("rm-1"); c.OrphanOf, c.MissingLeases = 42, []string{"idmap"}; return c }(),
				healthy("rm-2"),
			},
			Holders: map[string][]string{"rm-2": {"hostonly/4"}},
		}, []string{"rm-1:rmthrowaway"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(Classify(tt.l))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Classify = %q\nwant       %q", got, tt.want)
			}
		})
	}
}

func TestClassifyIsDeterministic(t *testing.T) {
	l := Listing{
		Containers: []Container{{Name: "c", Record: RecordMissing}, {Name: "a", Record: RecordMissing}, {Name: "b", Record: RecordMissing}},
		Holders:    map[string][]string{"z": {"x"}, "y": {"x"}, "x": {"x"}},
	}
	first := summary(Classify(l))
	for i := 0; i < 20; i++ {
		if got := summary(Classify(l)); !reflect.DeepEqual(got, first) {
			t.Fatalf("Classify's order changed: %q, then %q", first, got)
		}
	}
	if strings.Join(first, " ") != "a:rmdir b:rmdir c:rmdir x:release y:release z:release" {
		t.Errorf("order = %q", first)
	}
}

// The finding about another installation's network names it and says what
// to do.
func TestOtherInstallationNamed(t *testing.T) {
	f := Classify(Listing{Host: Host{Present: []string{"brNC-hostonly"}, Other: "/srv/other"}})
	if len(f) != 1 || !strings.Contains(f[0].Problem, "/srv/other") || !strings.Contains(f[0].Advice, "one installation per network namespace") || f[0].Repair != NoRepair {
		t.Errorf("findings %+v", f)
	}
}

func TestProblemsNameTheirSubject(t *testing.T) {
	c := running(Container{Name: "web", Current: "/nix/store/c-sys", Generations: gens, Active: "/nix/store/c-sys", Reported: "/nix/store/evil"})
	for _, f := range Classify(Listing{Containers: []Container{c}}) {
		if !strings.Contains(f.Problem, "web") || !strings.Contains(f.Problem, "/nix/store/evil") || f.Advice == "" {
			t.Errorf("finding %+v does not name the container, what it reports, and what to do", f)
		}
	}
}

func running(c Container) Container { c.Running = true; return c }

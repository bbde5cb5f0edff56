package declare

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/spec"
)

func TestPlan(t *testing.T) {
	auto := spec.Settings{Autostart: spec.Autostart{Enable: true}}
	nat := spec.Settings{Autostart: spec.Autostart{Enable: true}, Network: spec.Network{EnableNat: true}}
	limited := spec.Settings{Autostart: spec.Autostart{Enable: true}, Limits: spec.Limits{Pids: 100}}
	fwd := func(port int) spec.Settings {
		return spec.Settings{ForwardPorts: []spec.ForwardPort{{Protocol: "tcp", HostPort: port, ContainerPort: 80}}}
	}
	running := func(name, system string, s spec.Settings) Current {
		return Current{Name: name, Declared: true, Running: true, System: system, Active: system, Settings: s}
	}
	stopped := func(name, system string, s spec.Settings) Current {
		return Current{Name: name, Declared: true, System: system, Settings: s}
	}
	type step struct {
		name   string
		action Action
		start  bool
		adopt  bool
		reason string
	}
	for _, c := range []struct {
		what    string
		desired []Desired
		current []Current
		o       Options
		want    []step
	}{
		{"nothing", nil, nil, Options{}, nil},
		{"new containers, started when autoStart",
			[]Desired{{Name: "b", Settings: auto}, {Name: "a"}}, nil, Options{},
			[]step{{"a", Create, false, false, "not on the host"}, {"b", Create, true, false, ""}}},
		{"unchanged: kept, or started when autoStart and stopped",
			[]Desired{{Name: "a", Settings: auto, System: "/s/a"}, {Name: "b", Settings: auto, System: "/s/b"}, {Name: "c", System: "/s/c"}},
			[]Current{running("a", "/s/a", auto), stopped("b", "/s/b", auto), stopped("c", "/s/c", spec.Settings{})}, Options{},
			[]step{{"a", Keep, false, false, "unchanged"}, {"b", Start, false, false, "autoStart"}, {"c", Keep, false, false, ""}}},
		{"a changed system updates in place; stopped ones start after when autoStart",
			[]Desired{{Name: "a", Settings: auto, System: "/s/a2"}, {Name: "b", Settings: auto, System: "/s/b2"}, {Name: "c", Settings: auto}},
			[]Current{running("a", "/s/a", auto), stopped("b", "/s/b", auto), running("c", "/s/c", auto)}, Options{},
			[]step{{"a", Update, false, false, "in place"}, {"b", Update, true, false, ""}, {"c", Update, false, false, "to be built"}}},
		{"what applies only at start restarts a running container, unless restartIfChanged is false",
			[]Desired{{Name: "a", Settings: limited, RestartIfChanged: true}, {Name: "b", Settings: limited}, {Name: "c", Settings: nat}, {Name: "d", Settings: nat, RestartIfChanged: true}},
			[]Current{running("a", "/s/a", auto), running("b", "/s/b", auto), running("c", "/s/c", auto), stopped("d", "/s/d", auto)}, Options{},
			[]step{{"a", Restart, false, false, "limits changed, which takes a restart"}, {"b", Update, false, false, "next start"},
				{"c", Hold, false, false, "restartIfChanged is false"}, {"d", Update, true, false, "network changed"}}},
		{"the running system counts, not only the profile",
			[]Desired{{Name: "a", System: "/s/new"}},
			[]Current{{Name: "a", Declared: true, Running: true, System: "/s/new", Active: "/s/old"}}, Options{},
			[]step{{"a", Update, false, false, ""}}},
		{"containers apply made and no longer declared are destroyed first; hand-made ones left alone",
			[]Desired{{Name: "a", System: "/s/a"}},
			[]Current{stopped("a", "/s/a", spec.Settings{}), stopped("old", "/s/o", spec.Settings{}), {Name: "hand", System: "/s/h"}}, Options{},
			[]step{{"old", Destroy, false, false, "no longer declared"}, {"a", Keep, false, false, ""}}},
		{"a declaration in error holds its container as it is, never destroys it",
			[]Desired{{Name: "a", Err: "containers.a: invalid limits.memory"}, {Name: "b", Err: "bad"}},
			[]Current{stopped("a", "/s/a", spec.Settings{})}, Options{},
			[]step{{"a", Hold, false, false, "invalid limits.memory"}, {"b", Hold, false, false, "bad"}}},
		{"a host port declared twice: the container that has it keeps it, else the first by name; the other is held",
			[]Desired{{Name: "a", Settings: fwd(8080)}, {Name: "b", Settings: fwd(8080)}, {Name: "c", Settings: fwd(9090)}, {Name: "d", Settings: fwd(9090)}, {Name: "e", Settings: fwd(9090)}},
			[]Current{stopped("d", "/s/d", fwd(9090))}, Options{},
			[]step{{"a", Create, false, false, "not on the host"}, {"b", Hold, false, false, "host port tcp 8080 is declared for container a too"},
				{"c", Hold, false, false, "tcp 9090 is declared for container d too"}, {"d", Update, false, false, ""}, {"e", Hold, false, false, "container d too"}}},
		{"--prune-all destroys hand-made ones too",
			nil, []Current{{Name: "hand", System: "/s/h"}}, Options{PruneAll: true},
			[]step{{"hand", Destroy, false, false, "--prune-all"}}},
		{"a hand-made container the declaration lists is taken over",
			[]Desired{{Name: "hand", System: "/s/h"}, {Name: "hand2", System: "/s/x"}},
			[]Current{{Name: "hand", System: "/s/h"}, {Name: "hand2", System: "/s/y"}}, Options{},
			[]step{{"hand", Keep, false, true, "made by hand, declared from now on"}, {"hand2", Update, false, true, ""}}},
	} {
		t.Run(c.what, func(t *testing.T) {
			got := Plan(c.desired, c.current, c.o)
			if len(got) != len(c.want) {
				t.Fatalf("plan %+v, want %d steps", got, len(c.want))
			}
			for i, w := range c.want {
				g := got[i]
				if g.Name != w.name || g.Action != w.action || g.StartAfter != w.start || g.Adopt != w.adopt || !strings.Contains(g.Reason, w.reason) {
					t.Errorf("step %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestChanges(t *testing.T) {
	if Changes([]Step{{Action: Keep}, {Action: Keep}}) || !Changes([]Step{{Action: Keep}, {Action: Start}}) || !Changes([]Step{{Action: Keep, Adopt: true}}) {
		t.Error("Changes disagrees")
	}
	// A plan is deterministic.
	d := []Desired{{Name: "z"}, {Name: "a"}, {Name: "m"}}
	if a, b := Plan(d, nil, Options{}), Plan(d, nil, Options{}); !reflect.DeepEqual(a, b) {
		t.Error("two plans differ")
	}
}

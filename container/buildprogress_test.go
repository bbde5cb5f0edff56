package container

import (
	"reflect"
	"testing"

	"github.com/nixlxc/nixlxc/nixsys"
)

func TestBuildReporter(t *testing.T) {
	var got []Event
	r := &buildReporter{emit: func(e Event) { got = append(got, e) }, name: "web"}
	r.begin()
	for _, p := range []nixsys.Progress{
		{Kind: nixsys.Counts, Counts: nixsys.BuildCounts{ToBuild: 2}},
		{Kind: nixsys.BuildStarted, Derivation: "slow"},
		{Kind: nixsys.BuildPhase, Derivation: "slow", Phase: "buildPhase"},
		{Kind: nixsys.BuildLog, Derivation: "slow", Line: "tick"},
		{Kind: nixsys.Message, Line: "trace: warning: old"},
		{Kind: nixsys.BuildFailed, Derivation: "slow", Tail: []string{"tick", "boom"}},
	} {
		r.progress(p)
	}
	r.end()
	var kinds []string
	for _, e := range got {
		kinds = append(kinds, string(e.Kind)+" "+e.Text)
	}
	want := []string{
		"build ", "build ", "build web: building slow (0 of 2 built)", "build ",
		"build-log tick", "build ", "note trace: warning: old",
		"build-tail tick", "build-tail boom", "build ",
	}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("got %q\nwant %q", kinds, want)
	}
	if b := got[5].Build; b.Derivation != "slow" || b.Phase != "buildPhase" || b.LastLine != "tick" || b.ToBuild != 2 {
		t.Errorf("state after the log line: %+v", *b)
	}
	if last := got[len(got)-1]; !last.Build.Finished || last.Container != "web" {
		t.Errorf("last event %+v", last)
	}
	if got[7].Build.Derivation != "slow" {
		t.Errorf("a tail line does not name its derivation: %+v", got[7])
	}
}

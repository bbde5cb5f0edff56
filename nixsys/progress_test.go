package nixsys

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// replay feeds a log nix-build 2.8 wrote here (testdata) to a progressLog.
func replay(t *testing.T, file string) ([]Progress, *progressLog) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var got []Progress
	p := newProgressLog(func(e Progress) { got = append(got, e) })
	eachLine(strings.NewReader(string(data)), maxLogLine, p.line)
	return got, p
}

func TestProgressFailedBuild(t *testing.T) {
	got, p := replay(t, "testdata/build-failed.jsonl")
	var started, logs []string
	var failed *Progress
	last := BuildCounts{}
	for i, e := range got {
		switch e.Kind {
		case BuildStarted:
			started = append(started, e.Derivation)
		case BuildLog:
			logs = append(logs, e.Derivation+"> "+e.Line)
		case Counts:
			last = e.Counts
		case BuildFailed:
			failed = &got[i]
		}
	}
	if want := []string{"dep-1.0", "broken-2.0"}; !reflect.DeepEqual(started, want) {
		t.Errorf("started %q, want %q", started, want)
	}
	if len(logs) != 16 || logs[0] != "dep-1.0> building dep" || logs[1] != "broken-2.0> -e colour red" {
		t.Errorf("log lines: %q", logs)
	}
	for _, l := range logs {
		if strings.ContainsRune(l, 0x1b) {
			t.Errorf("an escape passed: %q", l)
		}
	}
	if want := (BuildCounts{Built: 1, ToBuild: 1, Failed: 1}); last != want {
		t.Errorf("last counts %+v, want %+v", last, want)
	}
	if failed == nil {
		t.Fatal("no BuildFailed")
	}
	if failed.Derivation != "broken-2.0" || len(failed.Tail) != tailLines || failed.Tail[0] != "step 3" ||
		!strings.HasPrefix(failed.Tail[tailLines-1], "it broke: ") {
		t.Errorf("failed: %+v", *failed)
	}
	// The error is Nix's own, with the log's end as Nix prints it.
	if s := Summary(p.text.String()); !strings.HasPrefix(s, "builder for '/nix/store/") || !strings.HasSuffix(s, "failed with exit code 3: it broke: /nix/store/lb85bwim1bkqbdij9n69gq2mjj8lv6d5-dep-1.0") {
		t.Errorf("Summary: %q", s)
	}
}

func TestProgressTraceAndCounts(t *testing.T) {
	got, p := replay(t, "testdata/build-ok.jsonl")
	var kinds []string
	for _, e := range got {
		switch e.Kind {
		case Message:
			kinds = append(kinds, "message "+e.Line)
		case BuildStarted:
			kinds = append(kinds, "started "+e.Derivation)
		case BuildLog:
			kinds = append(kinds, "log "+e.Line)
		}
	}
	want := []string{"message trace: warning: the frobnicator is deprecated", "started fine-1", "log one", "log two"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("got %q\nwant %q", kinds, want)
	}
	if s := Summary(p.text.String()); s != "" {
		t.Errorf("a successful build has an error: %q", s)
	}
}

func TestProgressOddInput(t *testing.T) {
	var got []Progress
	p := newProgressLog(func(e Progress) { got = append(got, e) })
	for _, l := range []string{
		"plain text from a hook",
		"@nix {broken json",
		`@nix {"action":"result","id":7,"type":101,"fields":["a line of no known build"]}`,
		`@nix {"action":"start","id":8,"type":105,"fields":[]}`,
		`@nix {"action":"result","id":9,"type":105,"fields":[1,2,0,0]}`,
		`@nix {"action":"msg","level":0,"msg":"error: \u001b[31mboom\u001b[0m"}`,
	} {
		p.line(l)
	}
	if len(got) != 0 {
		t.Errorf("events from odd input: %+v", got)
	}
	if s := Summary(p.text.String()); s != "boom" {
		t.Errorf("Summary %q", s)
	}
	if !strings.Contains(p.text.String(), "plain text from a hook\n@nix {broken json\n") {
		t.Errorf("text: %q", p.text.String())
	}
}

func TestEachLineBounded(t *testing.T) {
	long := strings.Repeat("x", 10000)
	var got []string
	eachLine(strings.NewReader("a\n"+long+"\nb"), 100, func(l string) { got = append(got, l) })
	if len(got) != 3 || got[0] != "a" || got[1] != long[:100] || got[2] != "b" {
		t.Errorf("got %d lines: %q", len(got), fmt.Sprint(got)[:min(200, len(fmt.Sprint(got)))])
	}
}

func TestStoreName(t *testing.T) {
	for in, want := range map[string]string{
		"/nix/store/pcqs29wzk73cklm7fhpqhp71n6z9k4if-broken-2.0.drv": "broken-2.0",
		"/nix/store/lb85bwim1bkqbdij9n69gq2mjj8lv6d5-dep-1.0":        "dep-1.0",
		"odd": "odd",
	} {
		if got := storeName(in); got != want {
			t.Errorf("storeName(%q) = %q, want %q", in, got, want)
		}
	}
}

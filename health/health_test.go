package health

import (
	"slices"
	"strings"
	"testing"
)

func TestParseSystemState(t *testing.T) {
	for _, c := range []struct{ out, want string }{
		{"running\n", "running"},
		{"degraded", "degraded"},
		{"  starting \n", "starting"},
		{"", ""},
		{"running\nextra\n", ""},
		{"\x1b[31mrunning", ""},
		{"Running", ""},
		{strings.Repeat("a", 33), ""},
	} {
		if got := ParseState(c.out); got != c.want {
			t.Errorf("ParseState(%q) = %q, want %q", c.out, got, c.want)
		}
	}
}

func TestParseFailedUnits(t *testing.T) {
	out := "broken.service loaded failed failed broken.service\n" +
		"web@8080.service loaded failed failed Web\n" +
		"\x1b]0;owned\x07.service loaded failed failed x\n" +
		"../../etc/passwd loaded failed failed x\n" +
		"sys-kernel-debug.mount loaded failed failed Kernel Debug File System\n" +
		"broken.service loaded failed failed again\n" +
		"not a unit\n\n"
	want := []string{"broken.service", "sys-kernel-debug.mount", "web@8080.service"}
	if got := ParseFailed(out); !slices.Equal(got, want) {
		t.Errorf("parseFailedUnits = %q, want %q", got, want)
	}
	var many strings.Builder
	for i := 0; i < 1000; i++ {
		many.WriteString("u" + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + ".service loaded failed failed\n")
	}
	if got := ParseFailed(many.String()); len(got) > maxFailedUnits {
		t.Errorf("kept %d units, want at most %d", len(got), maxFailedUnits)
	}
}

func TestNewFailures(t *testing.T) {
	got := NewFailures([]string{"a.service", "b.service", "c.service"}, []string{"b.service"})
	if want := []string{"a.service", "c.service"}; !slices.Equal(got, want) {
		t.Errorf("newFailures = %q, want %q", got, want)
	}
	if got := NewFailures([]string{"old.service"}, []string{"old.service"}); len(got) != 0 {
		t.Errorf("a unit that had failed before counts as new: %q", got)
	}
}

func FuzzParseFailedUnits(f *testing.F) {
	f.Add("broken.service loaded failed failed broken\n")
	f.Add("\x00\xff.service")
	f.Fuzz(func(t *testing.T, out string) {
		for _, u := range ParseFailed(out) {
			if !unitName().MatchString(u) || strings.ContainsAny(u, " \t\n\x1b/") {
				t.Fatalf("unit %q accepted", u)
			}
		}
		if s := ParseState(out); s != "" && !systemStateWord().MatchString(s) {
			t.Fatalf("state %q accepted", s)
		}
	})
}

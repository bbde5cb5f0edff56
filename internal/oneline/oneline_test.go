package oneline

import "testing"

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"a\nb":               "a b",
		"  a \t b  ":         "a b",
		"\x1b[31mred\x1b[0m": "[31mred [0m",
		"":                   "",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

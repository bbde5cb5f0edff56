package lxcapi

import (
	"errors"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, c := range []struct {
		chunks []string
		want   string
		detach bool
	}{
		{[]string{"ls\r"}, "ls\r", false},
		{[]string{"ls\x01q", "after"}, "ls", true},
		{[]string{"a\x01", "qrest"}, "a", true},         // split across reads
		{[]string{"\x01\x01x"}, "\x01x", false},         // twice sends it once
		{[]string{"\x01x\x01", "\x01"}, "x\x01", false}, // another key after it goes alone
		{[]string{"q\x01"}, "q", false},
	} {
		e := Escape{Key: 1}
		var got strings.Builder
		detached := false
		for _, ch := range c.chunks {
			out, d := e.Filter([]byte(ch))
			got.Write(out)
			if d {
				detached = true
				break
			}
		}
		if got.String() != c.want || detached != c.detach {
			t.Errorf("%q: got %q detach %v, want %q %v", c.chunks, got.String(), detached, c.want, c.detach)
		}
	}
}

func TestRelayInputDetaches(t *testing.T) {
	var console strings.Builder
	err := relayInput(&console, strings.NewReader("echo hi\r\x02q never"), 2)
	if !errors.Is(err, ErrDetached) || console.String() != "echo hi\r" {
		t.Errorf("relayInput: %v, sent %q", err, console.String())
	}
}

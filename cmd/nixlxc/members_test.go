package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestMemberProgressPlain(t *testing.T) {
	var out bytes.Buffer
	p := newMemberProgress(&out)
	p.begin("a", "starting")
	p.begin("b", "starting")
	p.note("autostart: a: attempt 1 of 2 failed: boom")
	p.done("b", "autostart: b is up")
	p.done("a", "autostart: a is up")
	p.close()
	want := "autostart: a: attempt 1 of 2 failed: boom\nautostart: b is up\nautostart: a is up\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// At a terminal, the containers under way are live lines, one each, below
// the lines of those done; none is left when the work ends.
func TestMemberProgressLive(t *testing.T) {
	t.Setenv("TERM", "xterm")
	master, slave := openPty(t)
	got := make(chan string)
	go func() {
		var b bytes.Buffer
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		got <- b.String()
	}()
	p := newMemberProgress(slave)
	p.begin("a", "starting")
	p.begin("b", "stopping")
	p.done("b", "b stopped")
	p.close()
	slave.Close()
	out := strings.ReplaceAll(<-got, "\r\n", "\n")
	for _, want := range []string{
		"[0s] a: starting",
		"[0s] a: starting\n[0s] b: stopping",
		"\r\x1b[K\x1b[A\x1b[Kb stopped\n[0s] a: starting",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%q not in %q", want, out)
		}
	}
	if !strings.HasSuffix(out, "b stopped\n[0s] a: starting\r\x1b[K") {
		t.Errorf("live lines left at the end: %q", out)
	}
}

package container

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/internal/testenv"
)

func TestLastLines(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc\n"},
		{"a\nb\nc", 2, "b\nc"},
		{"a\nb\n", 5, "a\nb\n"},
		{"a\nb\n", 0, "a\nb\n"},
		{"", 3, ""},
	} {
		if got := string(lastLines([]byte(c.in), c.n)); got != c.want {
			t.Errorf("lastLines(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestLogs(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "web", tm.config("web.json", "one", nil), CreateOptions{}))
	// Never started: no console log yet, which is no error.
	var out bytes.Buffer
	tm.must(tm.Logs(ctx, "web", LogOptions{Lines: 10}, &out))
	if out.Len() != 0 {
		t.Errorf("logs of a container never started: %q", out.String())
	}
	console := tm.paths.consolePath("web")
	os.WriteFile(console, []byte("one\ntwo \x1b]0;title\x07three\nfour\n"), 0o600)
	tm.must(tm.Logs(ctx, "web", LogOptions{Lines: 2}, &out))
	if out.String() != "two three\nfour\n" {
		t.Errorf("logs -n 2 of a stopped container: %q", out.String())
	}

	// Running: the journal follows the console; a system without
	// journalctl (127) has none.
	tm.must(tm.Start(ctx, "web", StartOptions{Timeout: 5 * time.Second}))
	tm.lxc.run = func(name string, argv []string) (int, string) {
		if argv[0] == "journalctl" && strings.Join(argv, " ") == "journalctl --no-pager -n 1" {
			return 0, "Dec 02 web systemd[1]: Started \x1b[1mthing\x1b[0m.\n"
		}
		return 127, ""
	}
	out.Reset()
	tm.must(tm.Logs(ctx, "web", LogOptions{Lines: 1}, &out))
	if out.String() != "four\nDec 02 web systemd[1]: Started thing.\n" {
		t.Errorf("logs -n 1 of a running container: %q", out.String())
	}
	tm.lxc.run = func(string, []string) (int, string) { return 127, "" }
	out.Reset()
	tm.must(tm.Logs(ctx, "web", LogOptions{Lines: 1}, &out))
	if out.String() != "four\n" {
		t.Errorf("logs without a journal: %q", out.String())
	}

	// Following: what is appended shows, until ctx ends (no error).
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	var fout testenv.Buffer
	go func() { done <- tm.Logs(fctx, "web", LogOptions{Lines: 1, Follow: true}, &fout) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(fout.String(), "four") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	f, _ := os.OpenFile(console, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("five\n")
	f.Close()
	for !strings.Contains(fout.String(), "five") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// Rotated, as liblxc does: a new file under the name.
	os.Rename(console, console+".1")
	os.WriteFile(console, []byte("six\n"), 0o600)
	for !strings.Contains(fout.String(), "six") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("following ended with %v", err)
	}
	if got := fout.String(); got != "four\nfive\nsix\n" {
		t.Errorf("followed %q", got)
	}
	if err := tm.Logs(ctx, "nope", LogOptions{}, &out); KindOf(err) != KindNotFound {
		t.Errorf("logs of no container: %v", err)
	}
}

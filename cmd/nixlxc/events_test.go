package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/container"
	"golang.org/x/sys/unix"
)

// aBuild is what a build of web reports: one derivation, two log lines,
// then its failure's tail.
func aBuild() []container.Event {
	st := func(text string, b container.BuildState) container.Event {
		return container.Event{Container: "web", Kind: container.BuildStatus, Text: text, Build: &b}
	}
	log := func(kind container.EventKind, line string) container.Event {
		return container.Event{Container: "web", Kind: kind, Text: line, Build: &container.BuildState{Derivation: "slow"}}
	}
	return []container.Event{
		{Container: "web", Kind: container.Progress, Text: "building the system of web from /x.nix"},
		st("", container.BuildState{}),
		st("", container.BuildState{ToBuild: 2}),
		st("web: building slow (0 of 2 built)", container.BuildState{ToBuild: 2, Derivation: "slow"}),
		log(container.BuildLog, "tick 1"),
		log(container.BuildLog, "tick 2"),
		log(container.BuildTail, "tick 1"),
		log(container.BuildTail, "tick 2"),
		st("", container.BuildState{ToBuild: 2, Failed: 1, Finished: true}),
	}
}

func TestPrintEventsPlain(t *testing.T) {
	for _, c := range []struct {
		logs bool
		want string
	}{
		{false, "building the system of web from /x.nix\nweb: building slow (0 of 2 built)\nslow> tick 1\nslow> tick 2\n"},
		{true, "building the system of web from /x.nix\nweb: building slow (0 of 2 built)\nslow> tick 1\nslow> tick 2\n"},
	} {
		var out bytes.Buffer
		p := printEvents(&out, c.logs)
		for _, e := range aBuild() {
			p(e)
		}
		if out.String() != c.want {
			t.Errorf("-L %v: got\n%s\nwant\n%s", c.logs, out.String(), c.want)
		}
	}
}

func TestBuildLine(t *testing.T) {
	for _, c := range []struct {
		b    container.BuildState
		took time.Duration
		want string
	}{
		{container.BuildState{}, 3 * time.Second, "[3s] web: evaluating"},
		{container.BuildState{Built: 1, ToBuild: 3, Derivation: "slow", Phase: "buildPhase", LastLine: "step 3"}, 125 * time.Second,
			"[2m05s] web: 1/3 built, building slow (buildPhase): step 3"},
		{container.BuildState{ToFetch: 4, Fetched: 1, Derivation: "glibc", Fetching: true}, 0, "[0s] web: 1/4 fetched, fetching glibc"},
	} {
		if got := buildLine(container.Event{Container: "web", Build: &c.b}, c.took); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	if got := cut("abcdef", 4); got != "abc…" {
		t.Errorf("cut: %q", got)
	}
}

// At a terminal, the build is one line redrawn in place, which is gone
// when the build ends; other lines are printed above it.
func TestPrintEventsLive(t *testing.T) {
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
	p := printEvents(slave, false)
	for _, e := range aBuild() {
		p(e)
	}
	slave.Close()
	out := strings.ReplaceAll(<-got, "\r\n", "\n")
	for _, want := range []string{
		"building the system of web from /x.nix\n[0s] web: evaluating",
		"evaluating\r\x1b[Kslow> tick 1\n[0s] web: 0/2 built, building slow\r\x1b[Kslow> tick 2\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%q not in %q", want, out)
		}
	}
	if strings.Contains(out, "web: building slow (0 of 2 built)\n") {
		t.Errorf("a terminal got the plain lines: %q", out)
	}
	if !strings.HasSuffix(out, "slow> tick 2\n"+"[0s] web: 0/2 built, building slow\r\x1b[K") {
		t.Errorf("the live line is not cleared at the end: %q", out)
	}
}

func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pty:", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

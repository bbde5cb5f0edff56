package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// liveLines keeps a few status lines at the bottom of a terminal, redrawn
// in place, with ordinary lines printed above them: a build's progress, or
// one line per container while several start. Its callers lock.
type liveLines struct {
	w     io.Writer
	fd    int // the terminal's, for its width
	lines []string
	shown int // lines on screen now
}

// newLiveLines returns a liveLines for w, or nil when w is no terminal
// (or one that cannot move the cursor): then lines are printed as they come.
func newLiveLines(w io.Writer) *liveLines {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return nil
	}
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return nil
	}
	return &liveLines{w: w, fd: int(f.Fd())}
}

// set replaces the status lines.
func (l *liveLines) set(lines ...string) {
	if l.shown == len(lines) && slices.Equal(l.lines, lines) {
		return
	}
	var b strings.Builder
	l.clearTo(&b)
	l.lines = append(l.lines[:0], lines...)
	l.drawTo(&b)
	io.WriteString(l.w, b.String())
}

// println prints a line above the status lines.
func (l *liveLines) println(line string) {
	var b strings.Builder
	l.clearTo(&b)
	b.WriteString(line + "\n")
	l.drawTo(&b)
	io.WriteString(l.w, b.String())
}

// clearTo erases the status lines from the screen; the cursor ends at the
// start of the first.
func (l *liveLines) clearTo(b *strings.Builder) {
	if l.shown == 0 {
		return
	}
	b.WriteString("\r\x1b[K")
	for i := 1; i < l.shown; i++ {
		b.WriteString("\x1b[A\x1b[K")
	}
	l.shown = 0
}

// drawTo draws the status lines, each cut to the terminal's width so that
// none wraps (a wrapped line would not be erased whole).
func (l *liveLines) drawTo(b *strings.Builder) {
	width := 80
	if ws, err := unix.IoctlGetWinsize(l.fd, unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
		width = int(ws.Col)
	}
	for i, line := range l.lines {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(cut(line, width-1))
	}
	l.shown = len(l.lines)
}

// cut shortens s to n characters.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// elapsed is a duration as a status line shows it: 7s, 2m05s.
func elapsed(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 60 {
		return fmt.Sprintf("%ds", s)
	}
	return fmt.Sprintf("%dm%02ds", s/60, s%60)
}

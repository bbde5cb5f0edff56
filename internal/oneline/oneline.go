// Package oneline makes text that nixlxc did not write safe to show on a
// terminal: what a container wrote (its reports, its console, its output
// during an activation), Nix's messages, liblxc's log. A terminal acts on
// escape sequences (retitling the window, moving the cursor, rewriting what
// is already on screen, OSC 52 clipboard writes) and bidirectional controls
// reorder what it shows, so none of that may pass.
//
// Clean keeps such text on one line, for errors and reports; Writer relays
// it line by line as it arrives. The only container output nixlxc shows
// raw is that of `run` and `login`, which the user asked to talk to.
package oneline

import (
	"bytes"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes s printable (see Printable) and folds every run of
// whitespace, newlines included, into one space.
func Clean(s string) string {
	return strings.Join(strings.Fields(Printable(s)), " ")
}

// Printable returns s with nothing a terminal acts on: escape sequences
// (CSI, OSC, DCS, SOS, PM, APC and two-byte escapes, in their 7-bit and
// C1 forms) are removed whole; other control characters (C0, DEL, C1),
// newlines and tabs included, become spaces; bytes that are not UTF-8 and
// Unicode format characters (bidirectional overrides and isolates,
// zero-width characters) become U+FFFD, so their presence shows.
func Printable(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
			i += size
			if size == 0 {
				i++
			}
			continue
		case r == 0x1b:
			i += size + escapeLength(s[i+size:])
			continue
		case r >= 0x80 && r <= 0x9f && c1Introducer(r):
			i += size + stringOrCSILength(r, s[i+size:])
			continue
		case unicode.IsControl(r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Cf, r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// C1 controls that open a sequence, and their 7-bit spellings (ESC + the
// byte 0x40 below the C1 code).
const (
	c1DCS = 0x90
	c1SOS = 0x98
	c1CSI = 0x9b
	c1ST  = 0x9c
	c1OSC = 0x9d
	c1PM  = 0x9e
	c1APC = 0x9f
)

func c1Introducer(r rune) bool {
	switch r {
	case c1DCS, c1SOS, c1CSI, c1OSC, c1PM, c1APC:
		return true
	}
	return false
}

// escapeLength is how much of rest, which follows an ESC, belongs to its
// escape sequence.
func escapeLength(rest string) int {
	if rest == "" {
		return 0
	}
	c := rest[0]
	if c >= 0x40 && c <= 0x5f {
		// ESC [ is CSI, ESC ] OSC, ...: the C1 control c+0x40 spelt in 7 bits.
		if r := rune(c) + 0x40; c1Introducer(r) {
			return 1 + stringOrCSILength(r, rest[1:])
		}
		return 1
	}
	// nF escapes: intermediates 0x20-0x2f, then one final byte.
	n := 0
	for n < len(rest) && rest[n] >= 0x20 && rest[n] <= 0x2f {
		n++
	}
	if n < len(rest) && rest[n] >= 0x30 && rest[n] <= 0x7e {
		n++
	}
	return n
}

// stringOrCSILength is how much of rest belongs to the sequence that the
// C1 control intro opened: a CSI's parameters and final byte, or a control
// string up to its terminator (ST, or BEL for OSC). Whatever does not fit
// the sequence's grammar ends it unconsumed, to be cleaned on its own.
func stringOrCSILength(intro rune, rest string) int {
	if intro == c1CSI {
		for n := 0; n < len(rest); n++ {
			c := rest[n]
			switch {
			case c >= 0x20 && c <= 0x3f:
			case c >= 0x40 && c <= 0x7e:
				return n + 1
			default:
				return n
			}
		}
		return len(rest)
	}
	for n := 0; n < len(rest); {
		r, size := utf8.DecodeRuneInString(rest[n:])
		switch {
		case r == 0x07 && intro == c1OSC:
			return n + size
		case r == c1ST:
			return n + size
		case r == 0x1b && n+1 < len(rest) && rest[n+1] == '\\':
			return n + 2
		case r == 0x1b:
			// Another escape ends the string (as terminals do); it is
			// parsed as a sequence of its own.
			return n
		}
		n += size
		if size == 0 {
			n++
		}
	}
	return len(rest)
}

// maxLine bounds how much of one line a Writer buffers: the container
// decides how long its lines are.
const maxLine = 4096

// Writer relays text line by line as it arrives, each line made printable
// and prefixed (so that a line from a container cannot pass for one of
// nixlxc's own). Call Flush at the end for an unfinished last line.
type Writer struct {
	line func(string) error
	buf  []byte
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer, prefix string) *Writer {
	return &Writer{line: func(l string) error {
		_, err := io.WriteString(w, prefix+l+"\n")
		return err
	}}
}

// NewLineWriter returns a Writer that hands each cleaned line to line.
func NewLineWriter(line func(string)) *Writer {
	return &Writer{line: func(l string) error { line(l); return nil }}
}

// Write takes any bytes; complete lines are written through at once.
func (l *Writer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := maxLine - len(l.buf)
			if len(p) < room {
				l.buf = append(l.buf, p...)
				return n, nil
			}
			l.buf = append(l.buf, p[:room]...)
			p = p[room:]
		} else {
			l.buf = append(l.buf, p[:i]...)
			p = p[i+1:]
		}
		if err := l.Flush(); err != nil {
			return n - len(p), err
		}
	}
	return n, nil
}

// Flush writes what is buffered as a line, if anything is.
func (l *Writer) Flush() error {
	if len(l.buf) == 0 {
		return nil
	}
	line := strings.TrimRight(Printable(string(l.buf)), " ")
	l.buf = l.buf[:0]
	return l.line(line)
}

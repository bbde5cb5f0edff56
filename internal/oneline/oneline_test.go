package oneline

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"a\nb":                            "a b",
		"  a \t b  ":                      "a b",
		"":                                "",
		"\x1b[31mred\x1b[0m":              "red",
		"\x1b[1;31;48;5;200mx":            "x",
		"\x1b]0;pwned\x07title":           "title",
		"\x1b]52;c;ZXZpbA==\x1b\\x":       "x",         // OSC 52: a clipboard write
		"\x1bPq#0;2;0;0;0\x1b\\ok":        "ok",        // DCS (sixel)
		"a\x1b":                           "a",         // a lone ESC at the end
		"\x1b(0lqk":                       "lqk",       // nF: charset switch
		"\x1b7saved\x1b8":                 "saved",     // two-byte escapes
		"\u009b31mred":                    "red",       // C1 CSI, UTF-8 encoded
		"\u009d0;pwned\u009cx":            "x",         // C1 OSC ended by C1 ST
		"\u0085next":                      "next",      // NEL
		"a\u0080b":                        "a b",       // other C1: a space
		"a\x7fb":                          "a b",       // DEL
		"a\x00b":                          "a b",       // NUL
		"\x9b31m":                         "\ufffd31m", // a raw C1 byte is not UTF-8
		"a\xffb":                          "a\ufffdb",
		"abc\u202eevil":                   "abc\ufffdevil",  // RIGHT-TO-LEFT OVERRIDE
		"x\u2066y\u2069":                  "x\ufffdy\ufffd", // isolates
		"ad\u200bmin":                     "ad\ufffdmin",    // ZERO WIDTH SPACE
		"line\u2028sep":                   "line sep",
		"héllo wörld ✓":                   "héllo wörld ✓",
		"/nix/store/abc-nixos-system-web": "/nix/store/abc-nixos-system-web",
		"\x1b[31":                         "", // unterminated CSI
		"\x1b]0;unterminated":             "",
		"\x1b]0;a\x1b[31mb":               "b", // an ESC ends an OSC and starts anew
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriter(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, "web> ")
	for _, chunk := range []string{"starting \x1b[1mun", "its\x1b[0m\n  indented\r\n", "\x1b]0;x\x07fake\nnixlxc: web: generation 9 is active\nlast"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "web> starting units\nweb>   indented\nweb> fake\nweb> nixlxc: web: generation 9 is active\nweb> last\n"
	if got := out.String(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}

	out.Reset()
	w.Write([]byte(strings.Repeat("x", 3*maxLine+5)))
	w.Flush()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 || len(lines[0]) != len("web> ")+maxLine {
		t.Errorf("a long line was not cut at %d bytes: %d lines, first %d bytes", maxLine, len(lines), len(lines[0]))
	}
}

// FuzzPrintable: whatever the input, the output is valid UTF-8 without a
// control or format character.
func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"\x1b[31mx", "\u009b1m", "\x1b]0;t\x07", "a\xffb", "\u202e", "\x1bP\x1b\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Printable(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Printable(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("Printable(%q) = %q keeps %U", s, out, r)
			}
		}
		if c := Clean(s); strings.ContainsAny(c, "\n\t") || c != strings.TrimSpace(c) {
			t.Fatalf("Clean(%q) = %q is not one trimmed line", s, c)
		}
	})
}

// Package oneline keeps text that nixlxc did not write (a container's
// console, Nix's messages, liblxc's log) on one printable line, so every
// error nixlxc prints is exactly one line and no control character reaches
// the user's terminal.
package oneline

import "strings"

// Clean turns control characters into spaces and folds runs of
// whitespace into one space.
func Clean(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)), " ")
}

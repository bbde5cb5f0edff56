// Package health reads what systemd says about a system's health, as
// systemctl prints it inside a container: its state word and its failed
// units. What a container prints is hostile input: it is read up to a
// bound, and only a known state word and well-formed unit names are taken
// from it.
package health

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// MaxOutput bounds what nixlxc reads of an answer.
const MaxOutput = 64 << 10

// maxFailedUnits bounds how many failed units nixlxc keeps and names.
const maxFailedUnits = 64

var (
	systemStateWord = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z-]{1,32}$`) })
	// unitName is systemd's unit name syntax (unit_name_is_valid), with the
	// unit types a failed list can hold.
	unitName = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[A-Za-z0-9:_.\\@-]{1,200}\.(service|socket|device|mount|automount|swap|target|path|timer|scope|slice)$`)
	})
)

// ParseState takes the state `systemctl is-system-running` printed:
// one word, or "" when the answer is not one.
func ParseState(out string) string {
	s := strings.TrimSpace(out)
	if !systemStateWord().MatchString(s) {
		return ""
	}
	return s
}

// ParseFailed takes the unit names from `systemctl list-units
// --failed --plain --no-legend` (the first field of each line), sorted,
// without duplicates, at most maxFailedUnits; lines that do not start with
// a unit name are ignored.
func ParseFailed(out string) []string {
	var units []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !unitName().MatchString(f[0]) {
			continue
		}
		units = append(units, f[0])
	}
	slices.Sort(units)
	units = slices.Compact(units)
	if len(units) > maxFailedUnits {
		units = units[:maxFailedUnits]
	}
	return units
}

// NewFailures are the units of failed that are not in before.
func NewFailures(failed, before []string) []string {
	var out []string
	for _, u := range failed {
		if !slices.Contains(before, u) {
			out = append(out, u)
		}
	}
	return out
}

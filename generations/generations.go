// Package generations keeps a container's systems as the generations of a
// plain Nix profile, in exactly the layout nix-env uses, so nix-env and
// nixlxc can both read and move the same profile:
//
//	DIR/system          -> system-3-link   (the current generation)
//	DIR/system-3-link   -> /nix/store/...-nixos-system-web
//	DIR/system.lock        the lock nix-env takes too
//
// and, like nix-env, an indirect GC root per generation in
// /nix/var/nix/gcroots/auto, so no generation's closure is collected.
//
// The bookkeeping (which links exist, what a delete spec selects) is pure and
// works on listings; the Profile type does the file operations. It never runs
// nix-env: the links are the whole protocol, and writing them directly costs
// microseconds where nix-env costs tens of milliseconds.
package generations

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Errors callers may test for.
var (
	ErrNoGeneration = errors.New("no such generation")
	ErrCurrent      = errors.New("cannot delete the current generation")
	ErrNoOlder      = errors.New("no older generation")
	ErrEmpty        = errors.New("profile has no generations")
	ErrBadSpec      = errors.New("invalid generation spec")
)

// Generation is one numbered link of a profile.
type Generation struct {
	Number  int       `json:"number"`
	Path    string    `json:"path"` // the store path it points at
	Created time.Time `json:"created"`
	Current bool      `json:"current"`
}

// LinkName is the file name of generation n of the profile named base.
func LinkName(base string, n int) string {
	return base + "-" + strconv.Itoa(n) + "-link"
}

// ParseLinkName returns the generation number of a directory entry, if it is
// a generation link of the profile named base.
func ParseLinkName(base, entry string) (int, bool) {
	rest, ok := strings.CutPrefix(entry, base+"-")
	if !ok {
		return 0, false
	}
	num, ok := strings.CutSuffix(rest, "-link")
	if !ok || num == "" || (len(num) > 1 && num[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// DeleteSpec is what nix-env --delete-generations accepts: numbers, "old",
// "+N" (keep the current and N-1 older) or "Nd" (older than N days).
type DeleteSpec struct {
	Numbers   []int
	Old       bool
	KeepLast  int
	OlderThan time.Duration
}

func isDays(a string) bool { _, ok := days(a); return ok }

// days parses "Nd".
func days(a string) (int, bool) {
	num, ok := strings.CutSuffix(a, "d")
	if !ok || num == "" || strings.TrimLeft(num, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	return n, err == nil && n >= 1
}

// ParseDeleteSpec parses the arguments of delete-generations.
func ParseDeleteSpec(args []string) (DeleteSpec, error) {
	var s DeleteSpec
	if len(args) == 0 {
		return s, fmt.Errorf("%w: give generation numbers, old, +N or Nd", ErrBadSpec)
	}
	if len(args) == 1 {
		a := args[0]
		switch {
		case a == "old":
			s.Old = true
			return s, nil
		case strings.HasPrefix(a, "+"):
			n, err := strconv.Atoi(a[1:])
			if err != nil || n < 1 {
				return s, fmt.Errorf("%w %q: +N needs N of at least 1", ErrBadSpec, a)
			}
			s.KeepLast = n
			return s, nil
		case isDays(a):
			n, _ := days(a)
			s.OlderThan = time.Duration(n) * 24 * time.Hour
			return s, nil
		}
	}
	for _, a := range args {
		n, err := strconv.Atoi(a)
		if err != nil || n < 1 {
			return s, fmt.Errorf("%w %q: expected generation numbers, old, +N or Nd", ErrBadSpec, a)
		}
		s.Numbers = append(s.Numbers, n)
	}
	return s, nil
}

// Select returns the generation numbers spec deletes, with nix-env's
// semantics. Naming the current generation, or one that does not exist, is an
// error and selects nothing.
func Select(gens []Generation, spec DeleteSpec, now time.Time) ([]int, error) {
	sort.Slice(gens, func(i, j int) bool { return gens[i].Number < gens[j].Number })
	current := 0
	exists := map[int]bool{}
	for _, g := range gens {
		exists[g.Number] = true
		if g.Current {
			current = g.Number
		}
	}
	var out []int
	switch {
	case spec.Numbers != nil:
		for _, n := range spec.Numbers {
			if n == current {
				return nil, fmt.Errorf("%w (%d)", ErrCurrent, n)
			}
			if !exists[n] {
				return nil, fmt.Errorf("%w: %d", ErrNoGeneration, n)
			}
			out = append(out, n)
		}
	case spec.Old:
		for _, g := range gens {
			if g.Number != current {
				out = append(out, g.Number)
			}
		}
	case spec.KeepLast > 0:
		// Newest first: generations newer than the current one stay; the
		// current counts as the first kept; then KeepLast-1 older stay.
		keep := spec.KeepLast
		seenCurrent := false
		for i := len(gens) - 1; i >= 0; i-- {
			g := gens[i]
			if g.Number == current {
				seenCurrent = true
				keep--
				continue
			}
			if !seenCurrent {
				continue
			}
			if keep > 0 {
				keep--
				continue
			}
			out = append(out, g.Number)
		}
	case spec.OlderThan > 0:
		// Like nix-env: the newest generation older than the cutoff was the
		// active one at that time, so it stays; everything before it goes.
		cutoff := now.Add(-spec.OlderThan)
		canDelete := false
		for i := len(gens) - 1; i >= 0; i-- {
			g := gens[i]
			if canDelete {
				if g.Number != current {
					out = append(out, g.Number)
				}
			} else if g.Created.Before(cutoff) {
				canDelete = true
			}
		}
	}
	sort.Ints(out)
	return out, nil
}

// Previous returns the generation a rollback goes to: the highest-numbered
// one below the current.
func Previous(gens []Generation) (Generation, error) {
	cur, ok := CurrentOf(gens)
	if !ok {
		return Generation{}, ErrEmpty
	}
	var prev *Generation
	for i := range gens {
		if gens[i].Number < cur.Number && (prev == nil || gens[i].Number > prev.Number) {
			prev = &gens[i]
		}
	}
	if prev == nil {
		return Generation{}, fmt.Errorf("%w than the current (%d)", ErrNoOlder, cur.Number)
	}
	return *prev, nil
}

// CurrentOf returns the current generation of a listing.
func CurrentOf(gens []Generation) (Generation, bool) {
	for _, g := range gens {
		if g.Current {
			return g, true
		}
	}
	return Generation{}, false
}

// Find returns generation n of a listing.
func Find(gens []Generation, n int) (Generation, error) {
	for _, g := range gens {
		if g.Number == n {
			return g, nil
		}
	}
	return Generation{}, fmt.Errorf("%w: %d", ErrNoGeneration, n)
}

// Format renders a listing the way nix-env --list-generations does.
func Format(gens []Generation) string {
	var b strings.Builder
	for _, g := range gens {
		mark := ""
		if g.Current {
			mark = "(current)"
		}
		fmt.Fprintf(&b, "%4d   %s   %s\n", g.Number, g.Created.Local().Format("2006-01-02 15:04:05"), mark)
	}
	return b.String()
}

package generations

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func gens(current int, numbers ...int) []Generation {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []Generation
	for _, n := range numbers {
		out = append(out, Generation{Number: n, Created: base.Add(time.Duration(n) * 24 * time.Hour), Current: n == current})
	}
	return out
}

func TestParseLinkName(t *testing.T) {
	for entry, want := range map[string]int{"system-1-link": 1, "system-42-link": 42} {
		if n, ok := ParseLinkName("system", entry); !ok || n != want {
			t.Errorf("ParseLinkName(%q) = %d, %v", entry, n, ok)
		}
	}
	for _, entry := range []string{"system", "system.lock", "system-0-link", "system-01-link", "system--link", "system-x-link", "other-1-link", "system-1-link.tmp"} {
		if _, ok := ParseLinkName("system", entry); ok {
			t.Errorf("ParseLinkName(%q) accepted it", entry)
		}
	}
}

func TestSelect(t *testing.T) {
	now := time.Date(2026, 1, 11, 12, 0, 0, 0, time.UTC) // generation n was made on day n
	cases := []struct {
		name string
		gens []Generation
		args []string
		want []int
		err  error
	}{
		{"numbers", gens(5, 1, 2, 3, 4, 5), []string{"2", "3"}, []int{2, 3}, nil},
		{"current refused", gens(5, 1, 2, 3, 4, 5), []string{"3", "5"}, nil, ErrCurrent},
		{"unknown refused", gens(5, 1, 2, 3, 4, 5), []string{"9"}, nil, ErrNoGeneration},
		{"old", gens(3, 1, 2, 3, 4), []string{"old"}, []int{1, 2, 4}, nil},
		{"old with one", gens(1, 1), []string{"old"}, nil, nil},
		{"+2 keeps current and one older", gens(5, 1, 2, 3, 4, 5), []string{"+2"}, []int{1, 2, 3}, nil},
		{"+2 keeps newer than current", gens(3, 1, 2, 3, 4, 5), []string{"+2"}, []int{1}, nil},
		{"+1", gens(5, 1, 2, 3, 4, 5), []string{"+1"}, []int{1, 2, 3, 4}, nil},
		// 11 Jan noon minus 5 days = 6 Jan noon: gen 6 (made 7 Jan) is newer,
		// gen 5 (6 Jan 00:00) is the newest older one and stays.
		{"5d", gens(8, 1, 2, 3, 4, 5, 6, 7, 8), []string{"5d"}, []int{1, 2, 3, 4}, nil},
		{"5d never the current", gens(2, 1, 2, 3, 4, 5, 6, 7, 8), []string{"5d"}, []int{1, 3, 4}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, err := ParseDeleteSpec(c.args)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Select(c.gens, spec, now)
			if !errors.Is(err, c.err) {
				t.Fatalf("got err %v, want %v", err, c.err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestParseDeleteSpecRefuses(t *testing.T) {
	for _, args := range [][]string{nil, {"+0"}, {"+x"}, {"0"}, {"-1"}, {"3", "old"}, {"d"}, {"1.5"}, {"../x"}} {
		if _, err := ParseDeleteSpec(args); !errors.Is(err, ErrBadSpec) {
			t.Errorf("ParseDeleteSpec(%q) = %v, want ErrBadSpec", args, err)
		}
	}
}

func TestPrevious(t *testing.T) {
	g, err := Previous(gens(4, 1, 2, 4, 5))
	if err != nil || g.Number != 2 {
		t.Errorf("Previous = %d, %v; want 2", g.Number, err)
	}
	if _, err := Previous(gens(1, 1, 2)); !errors.Is(err, ErrNoOlder) {
		t.Errorf("Previous of the oldest = %v, want ErrNoOlder", err)
	}
}

func TestNixBase32(t *testing.T) {
	// Nix's own: `nix-hash --type sha1 --to-base32 <hex>`.
	got := nixBase32([]byte{0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e, 0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d})
	if want := "kpcd173cq987hw957sx6m0868wv3x6d9"; got != want {
		t.Errorf("nixBase32 = %s, want %s", got, want)
	}
}

func FuzzParseDeleteSpec(f *testing.F) {
	for _, s := range []string{"old", "+3", "12d", "1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		spec, err := ParseDeleteSpec([]string{arg})
		if err != nil {
			return
		}
		sel, err := Select(gens(3, 1, 2, 3, 4), spec, time.Now())
		if err != nil {
			return
		}
		for _, n := range sel {
			if n == 3 {
				t.Fatalf("%q selects the current generation", arg)
			}
		}
	})
}

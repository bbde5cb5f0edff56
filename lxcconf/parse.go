package lxcconf

import (
	"fmt"
	"strings"
)

// validKey reports whether key has the shape of every LXC key: "lxc" and
// dot-separated words of lower-case letters, digits, '_' and '-'
// (lxc.hook.pre-start, lxc.cgroup.memory.limit_in_bytes).
func validKey(key string) bool {
	rest, ok := strings.CutPrefix(key, "lxc.")
	if !ok {
		return false
	}
	for _, word := range strings.Split(rest, ".") {
		if word == "" {
			return false
		}
		for i := 0; i < len(word); i++ {
			c := word[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

// CheckItem reports whether it can be written as one line that LXC reads back
// as the same key and value.
func CheckItem(it Item) error {
	if !validKey(it.Key) {
		return fmt.Errorf("%w: key %q is not an LXC key", ErrInvalid, it.Key)
	}
	for _, r := range it.Value {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return fmt.Errorf("%w: value of %s contains control character %q", ErrInvalid, it.Key, r)
		}
	}
	if strings.TrimSpace(it.Value) != it.Value {
		return fmt.Errorf("%w: value of %s has leading or trailing whitespace", ErrInvalid, it.Key)
	}
	return nil
}

// Parse reads config text: "key = value" lines, blank lines and # comments.
func Parse(text string) ([]Item, error) {
	var items []Item
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%w: line %d: %q is not key = value", ErrInvalid, n+1, line)
		}
		it := Item{strings.TrimSpace(key), strings.TrimSpace(value)}
		if err := CheckItem(it); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		items = append(items, it)
	}
	return items, nil
}

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

// extraAllowed are the keys a container file's lxcExtraConfig may set: what
// tunes the container from inside its boundary. Everything else is refused:
// keys nixlxc derives from the settings (id map, rootfs, init, network,
// autostart, logs) and keys that would widen the boundary or act on the host
// as root (hooks, namespaces kept from the host, console or log files on the
// host, AppArmor, seccomp, capabilities kept, cgroup and proc mounts).
// A prefix ending in '.' allows the keys below it.
var extraAllowed = []string{
	"lxc.environment",
	"lxc.prlimit.",
	"lxc.sysctl.",
	"lxc.cgroup.",
	"lxc.cgroup2.",
	"lxc.mount.entry",
	"lxc.cap.drop",
	"lxc.signal.",
	"lxc.tty.max",
	"lxc.pty.max",
}

// extraOwned explains the refusal of keys nixlxc sets from the settings.
var extraOwned = []string{
	"lxc.uts.name", "lxc.rootfs.", "lxc.init.", "lxc.idmap",
	"lxc.net.", "lxc.start.", "lxc.log.", "lxc.console.",
}

func hasKeyPrefix(key string, prefixes []string) bool {
	for _, p := range prefixes {
		if key == p || key == strings.TrimSuffix(p, ".") || strings.HasSuffix(p, ".") && strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// ParseExtra checks a user's lxcExtraConfig text. Each error names the line.
func ParseExtra(text string) ([]Item, error) {
	items, err := Parse(text)
	if err != nil {
		return nil, fmt.Errorf("lxcExtraConfig: %w", err)
	}
	for _, it := range items {
		switch {
		case hasKeyPrefix(it.Key, extraAllowed):
		case hasKeyPrefix(it.Key, extraOwned):
			return nil, fmt.Errorf("lxcExtraConfig: %w: %s is set by nixlxc itself (use the config's own settings)", ErrInvalid, it.Key)
		case strings.HasPrefix(it.Key, "lxc.hook"):
			return nil, fmt.Errorf("lxcExtraConfig: %w: %s would run host commands as root; hooks are not allowed in a container file", ErrInvalid, it.Key)
		default:
			return nil, fmt.Errorf("lxcExtraConfig: %w: %s is not allowed in a container file (allowed: %s)", ErrInvalid, it.Key, strings.Join(extraAllowed, ", "))
		}
	}
	return items, nil
}

package container

import (
	"context"
	"fmt"
)

// DefaultEscape is the key that, followed by q, detaches from a console:
// Ctrl-a, as lxc-console's.
const DefaultEscape = 'a'

// Console attaches std to the running container's console (liblxc's, the
// container's /dev/console) until the user types Ctrl-<escape> q. The
// container gets no descriptor of the user's terminal (see lxcapi).
func (m *Manager) Console(ctx context.Context, name string, std Stdio, escape rune) error {
	if escape < 'a' || escape > 'z' {
		return fmt.Errorf("%w: the escape key must be a letter a to z (Ctrl and the letter), got %q", ErrInvalid, escape)
	}
	if _, err := m.recs.usable(name); err != nil {
		return err
	}
	if err := m.requireRunning(name); err != nil {
		return err
	}
	m.emit(Note, name, "connected to the console of %s: type Ctrl-%c q to detach, Ctrl-%c Ctrl-%c to send Ctrl-%c", name, escape, escape, escape, escape)
	// The letter's control character: Ctrl-a is 1.
	return m.lxc.Console(ctx, name, std, byte(escape-'a'+1))
}

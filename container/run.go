package container

import (
	"context"
	"fmt"
	"os"

	"github.com/nixlxc/nixlxc/lxcapi"
)

// Stdio are the terminal or pipes a command inside the container uses.
type Stdio = lxcapi.Stdio

// Run runs argv in the running container, as root, with the system's PATH
// and a clean environment, and returns its exit status.
func (m *Manager) Run(ctx context.Context, name string, argv []string, io Stdio) (int, error) {
	if len(argv) == 0 {
		return -1, fmt.Errorf("%w: no command given", ErrInvalid)
	}
	if err := m.recs.present(name); err != nil {
		return -1, err
	}
	if err := m.requireRunning(name); err != nil {
		return -1, err
	}
	return m.lxc.Run(ctx, name, argv, env(termEnv()...), "/", io)
}

// loginScript starts root's login shell as the container's own /etc/passwd
// names it, as lxc-attach does; a fixed script, no user data in it.
const loginScript = `shell=$(awk -F: '$1 == "root" { print $7 }' /etc/passwd 2>/dev/null); SHELL=${shell:-/bin/sh}; export SHELL; exec "$SHELL" -l`

// Login runs an interactive root login shell and returns its exit status.
func (m *Manager) Login(ctx context.Context, name string, io Stdio) (int, error) {
	if err := m.recs.present(name); err != nil {
		return -1, err
	}
	if err := m.requireRunning(name); err != nil {
		return -1, err
	}
	return m.lxc.Run(ctx, name, []string{"/bin/sh", "-c", loginScript}, env(termEnv()...), "/root", io)
}

func (m *Manager) requireRunning(name string) error {
	state, err := m.lxc.State(name)
	if err != nil {
		return err
	}
	if state != lxcapi.Running {
		return fmt.Errorf("%w: %s is %s (start it first)", ErrStopped, name, state)
	}
	return nil
}

// termEnv carries the user's terminal type into the container.
func termEnv() []string {
	if t := os.Getenv("TERM"); t != "" {
		return []string{"TERM=" + t}
	}
	return nil
}

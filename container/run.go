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
	if _, err := m.loadRecord(name); err != nil {
		return -1, err
	}
	if err := m.requireRunning(name); err != nil {
		return -1, err
	}
	return m.lxc.Run(name, argv, env(termEnv()...), "/", io)
}

// Login attaches an interactive root shell.
func (m *Manager) Login(ctx context.Context, name string, io Stdio) error {
	if _, err := m.loadRecord(name); err != nil {
		return err
	}
	if err := m.requireRunning(name); err != nil {
		return err
	}
	return m.lxc.Shell(name, env(termEnv()...), io)
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

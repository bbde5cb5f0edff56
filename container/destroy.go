package container

import (
	"context"
	"fmt"
	"os"

	"github.com/nixlxc/nixlxc/lock"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/spec"
)

// Destroy removes the container: its LXC directory and rootfs, its profile
// with every generation and GC root, its addresses. A running container is
// refused unless force, which kills it first.
func (m *Manager) Destroy(ctx context.Context, name string, force bool) error {
	if err := spec.CheckName(name); err != nil {
		return err
	}
	l, err := lock.Acquire(ctx, m.lockPath(name))
	if err != nil {
		return err
	}
	if _, err := m.loadRecord(name); err != nil {
		l.Release()
		return err
	}
	state, err := m.lxc.State(name)
	if err != nil {
		l.Release()
		return err
	}
	if state != lxcapi.Stopped {
		if !force {
			l.Release()
			return fmt.Errorf("%w: %s (stop it first, or destroy --force)", ErrRunning, name)
		}
		if err := m.lxc.Kill(name); err != nil {
			l.Release()
			return fmt.Errorf("destroying %s: %w", name, err)
		}
	}
	// The record goes first: from here on the container does not exist, and
	// whatever an interruption leaves is a leftover doctor removes.
	if err := os.Remove(m.recordPath(name)); err != nil {
		l.Release()
		return fmt.Errorf("destroying %s: %w", name, err)
	}
	err = m.removeLeftovers(name)
	// Nobody can be waiting for a container that no longer exists, but one
	// may be: the lock file is removed in the way that makes waiters retry.
	l.ReleaseAndRemove()
	if err != nil {
		return fmt.Errorf("destroying %s: %w", name, err)
	}
	m.printf("destroyed %s\n", name)
	return nil
}

// removeLeftovers removes everything of a container whose record is gone.
func (m *Manager) removeLeftovers(name string) error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	keep(m.profile(name).RemoveAll())
	keep(m.releaseNetwork(name))
	keep(os.RemoveAll(m.containerDir(name)))
	return first
}

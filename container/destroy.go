package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nixlxc/nixlxc/faultpoint"
	"github.com/nixlxc/nixlxc/lock"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/spec"
)

// Destroy removes the container: its LXC directory and rootfs, its profile
// with every generation and GC root, its addresses and id range. A running
// container is refused unless force, which kills it first.
//
// The record is marked first and removed last, so an interrupted destroy
// leaves a container that says it is being destroyed (nothing else can
// start or change it) and that destroy finishes when run again.
func (m *Manager) Destroy(ctx context.Context, name string, force bool) error {
	if err := spec.CheckName(name); err != nil {
		return err
	}
	l, err := lock.Acquire(ctx, m.lockPath(name))
	if err != nil {
		return err
	}
	rec, err := m.loadRecord(name)
	if err != nil {
		if m.exists(name) {
			l.Release()
		} else {
			l.ReleaseAndRemove()
		}
		return err
	}
	state, err := m.lxc.State(name)
	if err != nil {
		l.Release()
		return err
	}
	if state != lxcapi.Stopped && !force && !rec.Destroying {
		l.Release()
		return fmt.Errorf("%w: %s (stop it first, or destroy --force)", ErrRunning, name)
	}
	if !rec.Destroying {
		rec.Destroying = true
		if err := m.saveRecord(rec); err != nil {
			l.Release()
			return fmt.Errorf("destroying %s: %w", name, err)
		}
	}
	faultpoint.Hit("destroy:marked")
	if state != lxcapi.Stopped {
		if err := m.lxc.Kill(name); err != nil {
			l.Release()
			return fmt.Errorf("destroying %s: %w", name, err)
		}
	}
	faultpoint.Hit("destroy:stopped")
	if err := m.removeLeftovers(name); err != nil {
		l.Release()
		return fmt.Errorf("destroying %s: %w", name, err)
	}
	// Nobody may keep waiting on the lock of a container that is gone: the
	// file is removed in the way that makes waiters retry.
	l.ReleaseAndRemove()
	m.printf("destroyed %s\n", name)
	return nil
}

// removeLeftovers removes everything of a container, the record last.
func (m *Manager) removeLeftovers(name string) error {
	if m.ownsProfile(name) {
		if err := m.profile(name).RemoveAll(); err != nil {
			return err
		}
	}
	faultpoint.Hit("destroy:profile")
	if err := m.releaseNetwork(name); err != nil {
		return err
	}
	faultpoint.Hit("destroy:released")
	dir := m.containerDir(name)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if e.Name() == "nixlxc.json" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	faultpoint.Hit("destroy:files")
	return os.RemoveAll(dir)
}

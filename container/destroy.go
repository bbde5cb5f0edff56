package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/nixlxc/nixlxc/faultpoint"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/rmtree"
)

// Destroy removes the container: its LXC directory and rootfs, its profile
// with every generation and GC root, its addresses and id range. A running
// container is refused unless force, which kills it first.
//
// Nothing is removed while a host directory is mounted inside the
// container's files (a bind mount someone made into its rootfs): that is the
// host's data, and the error names the mount. The record is marked first
// and removed last, so an interrupted destroy leaves a container that says
// it is being destroyed (nothing else can start or change it) and that
// destroy, or doctor --repair, finishes. Once marked, a destroy is finished
// even when interrupted: half of it cannot be undone.
//
// A container a declaration manages (apply made it) is refused unless
// force: the next apply would make it again.
func (m *Manager) Destroy(ctx context.Context, name string, force bool) error {
	return destroy(ctx, m, name, force, false)
}

// destroy is Destroy; byApply destroys a declared container without a word.
// (A function, not a method: the Manager keeps its methods few.)
func destroy(ctx context.Context, m *Manager, name string, force, byApply bool) error {
	return m.recs.withLock(ctx, name, func() error {
		rec, err := m.recs.load(name)
		switch {
		case errors.Is(err, ErrCorrupt):
			// Its record cannot be read, but it is a container and destroy
			// needs nothing of the record but the name.
			m.emit(Warning, name, "%s: its record is unreadable; destroying it anyway", name)
			rec = &record{Name: name}
		case err != nil:
			return err
		}
		if rec.Declared && !byApply && !rec.Destroying {
			if !force {
				return fmt.Errorf("%w: %s is managed by nixlxc apply and would come back at the next apply: remove it from the declaration (or destroy --force)", ErrDeclared, name)
			}
			m.emit(Warning, name, "%s is declared: the next nixlxc apply creates it again unless its declaration goes", name)
		}
		if err := m.recs.refuseMounts(name); err != nil {
			return fmt.Errorf("destroying %s: %w", name, err)
		}
		state, err := m.lxc.State(name)
		if err != nil {
			return err
		}
		if state != lxcapi.Stopped && !force && !rec.Destroying {
			return fmt.Errorf("%w: %s (stop it first, or destroy --force)", ErrRunning, name)
		}
		if err := m.recs.markDestroying(rec); err != nil {
			return fmt.Errorf("destroying %s: %w", name, err)
		}
		faultpoint.Hit("destroy:marked")
		if state != lxcapi.Stopped {
			if err := m.lxc.Kill(name); err != nil {
				return fmt.Errorf("destroying %s: %w", name, err)
			}
		}
		faultpoint.Hit("destroy:stopped")
		if err := m.removeLeftovers(name); err != nil {
			return fmt.Errorf("destroying %s: %w", name, err)
		}
		m.emit(Progress, name, "destroyed %s", name)
		return nil
	})
}

// markDestroying records that a destroy has begun. A container that filled
// the file system leaves no room for the record: its own files go first.
func (rs *records) markDestroying(rec *record) error {
	if rec.Destroying {
		return nil
	}
	rec.Destroying = true
	err := rs.save(rec)
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		if ferr := rs.removeFiles(rec.Name); ferr != nil {
			return ferr
		}
		err = rs.save(rec)
	}
	return err
}

// refuseMounts fails when something is mounted inside the container's
// files or its profile directory: removing them would remove what is
// mounted there. Nothing nixlxc makes is mounted on the host.
func (rs *records) refuseMounts(name string) error {
	var found []string
	own, err := rs.paths.ownRootMount(name)
	if err != nil {
		return err
	}
	for _, dir := range []string{rs.paths.containerDir(name), filepath.Dir(rs.paths.profile(name).Path)} {
		mounts, err := rmtree.MountsBelow(dir)
		if err != nil {
			return err
		}
		for _, mp := range mounts {
			// An ephemeral container's in-memory root is nixlxc's own,
			// unmounted before removal (what is mounted inside it is not).
			if own && mp == filepath.Clean(rs.paths.rootfs(name)) {
				own = false
				continue
			}
			found = append(found, mp)
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("%s is mounted inside its files (nixlxc never removes what is mounted there): unmount it first", strings.Join(found, ", "))
	}
	return nil
}

// removeLeftovers removes everything of a container: its files first (a
// container that filled the disk leaves room for the rest), then its
// profile, its leases and veths, the record last.
func (m *Manager) removeLeftovers(name string) error {
	if err := m.paths.unmountEphemeral(name); err != nil {
		return err
	}
	if err := m.recs.removeFiles(name); err != nil {
		return err
	}
	faultpoint.Hit("destroy:files")
	if m.recs.ownsProfile(name) {
		if err := m.paths.profile(name).RemoveAll(); err != nil {
			return err
		}
	}
	faultpoint.Hit("destroy:profile")
	if err := m.net.unforward(name); err != nil {
		return err
	}
	if err := m.net.release(name); err != nil {
		return err
	}
	faultpoint.Hit("destroy:released")
	os.Remove(m.paths.declaredFile(name))
	return rmtree.RemoveAll(m.paths.containerDir(name))
}

// removeFiles removes the container's directory but for its record.
func (rs *records) removeFiles(name string) error {
	dir := rs.paths.containerDir(name)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if e.Name() == "nixlxc.json" {
			continue
		}
		if err := rmtree.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

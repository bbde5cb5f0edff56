package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/internal/oneline"

	"github.com/nixlxc/nixlxc/cgroups"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/rmtree"
	"golang.org/x/sys/unix"
)

// DefaultBootTimeout bounds how long start waits for the system to report
// that it has booted.
const DefaultBootTimeout = 60 * time.Second

// StartOptions are start's choices.
type StartOptions struct {
	// Timeout bounds the wait for the system to report booted.
	Timeout time.Duration
	// NoWait returns as soon as LXC reports the container running, like
	// lxc-start -d, instead of waiting for its system to boot.
	NoWait bool
}

// Start starts the container and waits until its system reports it has
// booted (not merely that LXC runs it). Starting a running container is not
// an error.
func (m *Manager) Start(ctx context.Context, name string, o StartOptions) error {
	t := time.Now()
	return m.recs.withLock(ctx, name, func() error {
		t = m.trace("lock", t)
		rec, err := m.recs.usable(name)
		if err != nil {
			return err
		}
		h, err := m.lxc.Open(name)
		if err != nil {
			return err
		}
		defer h.Close()
		state := h.State()
		m.trace("record+state", t)
		switch state {
		case lxcapi.Stopped:
		case lxcapi.Running:
			m.emit(Note, name, "%s is already running", name)
			return nil
		default:
			return fmt.Errorf("%w: %s is %s; it can be started only when STOPPED", ErrRunning, name, state)
		}
		if err := m.launcher().launch(ctx, rec, h); err != nil {
			return err
		}
		if o.NoWait {
			return nil
		}
		return m.launcher().waitBooted(ctx, name, o.Timeout)
	})
}

// launcher starts a stopped container: the checks and files a start
// needs (its LXC config rendered only when something it comes from
// changed), liblxc's start, and the wait for its system to boot.
type launcher struct {
	m *Manager
}

func (m *Manager) launcher() *launcher { return &launcher{m: m} }

// launch starts a stopped container and returns when LXC runs it.
func (l *launcher) launch(ctx context.Context, rec *record, h lxcHandle) error {
	name := rec.Name
	system, err := l.m.recs.currentSystem(name)
	if err != nil {
		return err
	}
	if err := checkGuestBoot(name, system); err != nil {
		return err
	}
	// Whatever bridge it uses: its addresses, MACs, id range and host
	// veth names are this installation's to give only if no other
	// installation holds this network namespace.
	if err := l.m.net.refuseOtherInstallation(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	t := time.Now()
	settings, err := systemSettings(system, rec.Settings)
	if err != nil {
		return err
	}
	if err := l.m.guard().checkSettings(name, settings); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	if err := l.m.guard().checkTargets(name, settings); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	// A container made by an older nixlxc gets its directory closed too.
	if err := closeContainerDir(l.m.paths.containerDir(name), int(rec.IDMapBase)); err != nil {
		return err
	}
	if err := clearDir(l.m.paths.runDir(name)); err != nil {
		return err
	}
	if settings.Ephemeral {
		if err := l.m.paths.mountEphemeral(name, int(rec.IDMapBase)); err != nil {
			return err
		}
	} else if err := l.m.paths.unmountEphemeral(name); err != nil {
		return err
	}
	if settings.Network.EnableNat {
		l.passNameservers(rec)
	}
	// The config is rendered again when anything it comes from changed
	// since it was written: the settings, the host's network settings or
	// cgroup layout, the leases, nixlxc itself. Usually nothing did: then a
	// start reads no database and asks the kernel, besides whose the
	// bridges are (above), one thing before LXC does: whether nixlxc's
	// nftables tables are still there.
	key := l.m.cfg.renderKey(rec, settings)
	if key != "" && key == l.m.recs.storedRenderKey(name) && !l.m.net.rulesGone(settings) {
		t = l.m.trace("config", t)
		err := h.Start(l.m.paths.logPath(name))
		t = l.m.trace("liblxc-start", t)
		if err == nil {
			return l.booting(rec, system)
		}
		// LXC fails when the host's network is gone (after a reboot or a
		// teardown) or a killed container left its veths: set the host
		// side up, clean up, and try once more.
		l.m.trace("fast start failed: "+oneline.Clean(err.Error()), t)
	}
	nets, err := l.m.net.prepare(ctx, rec, settings)
	if err != nil {
		return err
	}
	t = l.m.trace("network", t)
	if err := l.m.cfg.write(l.m.cfg.lxcConfig(rec, settings, nets)); err != nil {
		return err
	}
	l.m.recs.storeRenderKey(name, key)
	t = l.m.trace("config", t)
	if err := h.Start(l.m.paths.logPath(name)); err != nil {
		removeMonitorCgroups(name)
		l.m.paths.unmountEphemeral(name)
		if rerr := l.m.paths.checkReachable(); rerr != nil {
			return fmt.Errorf("starting %s: %w", name, rerr)
		}
		return fmt.Errorf("starting %s: %w", name, err)
	}
	l.m.trace("liblxc-start", t)
	return l.booting(rec, system)
}

// booting records that the container boots system: the host's own account
// of what runs in it (usually unchanged since the last start: no write).
func (l *launcher) booting(rec *record, system string) error {
	if rec.Active == system {
		return nil
	}
	rec.Active = system
	return l.m.recs.save(rec)
}

// waitBooted polls the directory the container reports through until its
// system says boot is done, the container stops, or timeout passes.
func (l *launcher) waitBooted(ctx context.Context, name string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultBootTimeout
	}
	deadline := time.Now().Add(timeout)
	booted := filepath.Join(l.m.paths.runDir(name), "booted")
	for i := 0; ; i++ {
		if _, err := readReport(booted); err == nil {
			return nil
		}
		// Checking LXC's state costs a socket round trip; the file check is
		// a stat. Look at the state every 10th poll.
		if i%10 == 9 {
			if state, err := l.m.lxc.State(name); err == nil && state == lxcapi.Stopped {
				return fmt.Errorf("starting %s: the container stopped while booting (%s)", name, l.m.paths.consoleTail(name))
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("starting %s: its system did not report booted within %s; it is still running (see %s)", name, timeout, l.m.paths.consolePath(name))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// consoleTail is the last line the container's console printed.
func (l layout) consoleTail(name string) string {
	f, err := os.Open(l.consolePath(name))
	if err != nil {
		return "no console output"
	}
	defer f.Close()
	// The container writes the log: read only its end.
	if st, err := f.Stat(); err == nil && st.Size() > maxReport {
		f.Seek(st.Size()-maxReport, 0)
	}
	data := make([]byte, maxReport)
	n, _ := f.Read(data)
	data = data[:n]
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return "no console output"
	}
	return "console: " + oneline.Clean(last)
}

// Stop shuts the container down cleanly: its init gets SIGPWR and timeout to
// stop its services; after that it is killed.
func (m *Manager) Stop(ctx context.Context, name string, timeout time.Duration) error {
	return m.recs.withLock(ctx, name, func() error {
		if _, err := m.recs.load(name); err != nil {
			return err
		}
		return m.stop(name, timeout)
	})
}

func (m *Manager) stop(name string, timeout time.Duration) error {
	state, err := m.lxc.State(name)
	if err != nil {
		return err
	}
	if state == lxcapi.Stopped {
		m.emit(Note, name, "%s is not running", name)
		// One that stopped on its own may have left its in-memory root.
		return m.paths.unmountEphemeral(name)
	}
	if err := m.lxc.Shutdown(name, timeout); err != nil {
		m.emit(Warning, name, "%s did not stop within %s; killing it", name, timeout)
		if err := m.lxc.Kill(name); err != nil {
			return fmt.Errorf("stopping %s: %w", name, err)
		}
	}
	return m.paths.unmountEphemeral(name)
}

// Terminate kills the container now.
func (m *Manager) Terminate(ctx context.Context, name string) error {
	return m.recs.withLock(ctx, name, func() error {
		if _, err := m.recs.load(name); err != nil {
			return err
		}
		if err := m.lxc.Kill(name); err != nil {
			return err
		}
		return m.paths.unmountEphemeral(name)
	})
}

// maxReport bounds what nixlxc reads of a file the container wrote.
const maxReport = 4096

// readReport reads a file the container wrote into its report directory.
// The container owns that directory, so the file may be a symlink planted
// to make the host read something else: it is opened without following.
func readReport(path string) (string, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}
	buf := make([]byte, maxReport)
	n, _ := f.Read(buf)
	// Whatever reads a report may show it: it never carries what a
	// terminal would act on.
	return oneline.Clean(string(buf[:n])), nil
}

// clearDir empties a directory the container writes, without following
// anything it may have planted there or crossing a mount.
func clearDir(dir string) error {
	return rmtree.RemoveContents(dir)
}

// removeMonitorCgroups removes the monitor cgroups liblxc leaves after a
// failed start, once its monitor, which may still be exiting, has left
// them (at most a second).
func removeMonitorCgroups(name string) {
	deadline := time.Now().Add(time.Second)
	for {
		left := cgroups.Monitors([]string{name})
		for _, cg := range left {
			cgroups.Remove(cg)
		}
		if len(left) == 0 || len(cgroups.Monitors([]string{name})) == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Package container ties nixlxc's parts into a container's life: it builds
// the system (nixsys), records it as a generation (generations), leases its
// addresses (ipam), renders its LXC config (lxcconf), sets up the host's
// network (bridges) and drives liblxc (lxcapi).
//
// Every command that changes a container holds that container's lock, and
// every multi-step change undoes its finished steps when a later one fails.
// It owns the layout of the state directory; nothing else writes there.
package container

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/nixsys"
)

// Default locations.
const (
	DefaultStateDir   = "/var/lib/nixlxc"
	DefaultProfileDir = "/nix/var/nix/profiles/per-container"
	DefaultHostConfig = "/etc/nixlxc/host.json"
)

// Options configure a Manager.
type Options struct {
	StateDir   string // LXC path, rootfs, database, locks
	ProfileDir string // one Nix profile directory per container
	HostConfig string // the host's network settings (JSON)
	NixArgs    []string
	// Events hears of every step of a command; nil discards them. It is
	// called from one goroutine at a time.
	Events func(Event)
	// Trace, if set, receives how long each step of a start took
	// (NIXLXC_TRACE=1 on the command line), for benchmarks and profiling.
	Trace io.Writer
}

// Manager runs container commands for one installation.
type Manager struct {
	paths layout
	recs  *records
	net   *network
	cfg   *configs
	// nix is Nix with a build's arguments and allowed directories: see
	// nixFor.
	nix func(src Source) builder
	// nixArgs are the command line's Nix arguments (nil: none given).
	nixArgs []string
	lxc     runtime
	events  func(Event)
	tracer  io.Writer
}

// New returns a Manager, creating its state directories.
func New(o Options) (*Manager, error) {
	if o.StateDir == "" {
		o.StateDir = DefaultStateDir
	}
	if o.ProfileDir == "" {
		o.ProfileDir = DefaultProfileDir
	}
	if o.HostConfig == "" {
		o.HostConfig = DefaultHostConfig
	}
	for _, d := range []*string{&o.StateDir, &o.ProfileDir, &o.HostConfig} {
		abs, err := filepath.Abs(*d)
		if err != nil {
			return nil, err
		}
		*d = abs
	}
	if o.Events == nil {
		o.Events = func(Event) {}
	}
	m := &Manager{
		paths: layout{
			stateDir:   o.StateDir,
			profileDir: o.ProfileDir,
			hostConfig: o.HostConfig,
			gcRootDir:  generations.DefaultGCRootDir,
		},
		nixArgs: o.NixArgs,
		events:  serialize(o.Events),
		tracer:  o.Trace,
	}
	m.recs = &records{paths: m.paths}
	m.cfg = &configs{paths: m.paths, recs: m.recs}
	m.net = &network{paths: m.paths, recs: m.recs, host: netlinkHost{m.paths.hostNet()}, note: func(format string, args ...any) { m.emit(Note, "", format, args...) },
		warn: func(container, format string, args ...any) { m.emit(Warning, container, format, args...) }}
	m.cfg.net = m.net
	exprs := m.paths.nixExprDir()
	m.nix = func(src Source) builder { return nixsys.Nix{ExprDir: exprs, Args: src.NixArgs, Allow: src.Allow} }
	m.lxc = lxcRuntime{lxcapi.Runtime{Path: m.paths.lxcPath()}}
	// Before anything is made in them: root writes there, liblxc mounts
	// from there.
	if err := m.hostTrust().checkInstallation(m.paths); err != nil {
		return nil, err
	}
	// The container's mapped root must traverse to its rootfs, to the
	// directory bound at /run/nixlxc and to where LXC mounts the rootfs
	// (lxc.rootfs.mount): 0711 lets it pass without listing.
	for _, d := range []string{m.paths.stateDir, m.paths.lxcPath(), m.paths.rootMount()} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return nil, fmt.Errorf("creating state directory: %w", err)
		}
		// Every command makes a Manager: a chmod writes the inode each
		// time, a stat only reads it.
		if st, err := os.Stat(d); err != nil || st.Mode()&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky) != 0o711 {
			if err := os.Chmod(d, 0o711); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range []string{m.paths.locksDir(), m.paths.tmpDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("creating state directory: %w", err)
		}
	}
	if err := os.MkdirAll(m.paths.profileDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating profile directory: %w", err)
	}
	// Like the state directory: containers' root must pass through it to
	// its own profile (a 0700 directory from mktemp -d would stop it).
	if st, err := os.Stat(m.paths.profileDir); err == nil && st.Mode().Perm()&0o001 == 0 {
		if err := os.Chmod(m.paths.profileDir, st.Mode().Perm()|0o011); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// nixFor runs Nix with the arguments a build of rec uses.
func (m *Manager) nixFor(rec *record) builder { return m.nix(rec.source()) }

// notFound is the error for a name that is not a container.
func notFound(name string) error {
	return fmt.Errorf("%w: %s", ErrNotFound, name)
}

// trace reports the time since t for step, and returns now.
func (m *Manager) trace(step string, t time.Time) time.Time {
	now := time.Now()
	if m.tracer != nil {
		fmt.Fprintf(m.tracer, "nixlxc trace: %s %.3f ms\n", step, float64(now.Sub(t).Microseconds())/1000)
	}
	return now
}

// env is the clean environment commands run with inside a container.
func env(extra ...string) []string {
	e := []string{
		"PATH=/run/wrappers/bin:/run/current-system/sw/bin",
		"HOME=/root",
		"USER=root",
		"LOGNAME=root",
	}
	for _, kv := range extra {
		if k, _, ok := strings.Cut(kv, "="); ok && k != "" {
			e = append(e, kv)
		}
	}
	return e
}

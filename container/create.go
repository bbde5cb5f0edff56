package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nixlxc/nixlxc/faultpoint"
	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/internal/inputfile"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/nixlxc/nixlxc/internal/procstat"
	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/revert"
	"github.com/nixlxc/nixlxc/rmtree"
	"github.com/nixlxc/nixlxc/spec"
	"golang.org/x/sys/unix"
)

// CreateOptions are create's choices beyond the name and file.
type CreateOptions struct {
	// SharedIDMap maps the container's root to 100000, as nixcloud-container
	// did for every container, instead of a range of its own.
	SharedIDMap bool
	// Flake builds REF#nixosConfigurations.ATTR ("REF#ATTR"; ATTR defaults
	// to the name) instead of a config file.
	Flake string
	// Ephemeral makes it ephemeral whatever its file says, for good.
	Ephemeral bool
	// Throwaway: run --rm makes it and destroys it when its command
	// ends; if this process dies first, doctor destroys it.
	Throwaway bool
	// declared: apply makes it, from a declaration, whose builds may read
	// allow (Source.Allow).
	declared bool
	allow    []string
}

// Create builds the container's system from file (or o.Flake), records it
// as generation 1 of the container's profile and defines the LXC
// container. On any error nothing of the container is left behind.
func (m *Manager) Create(ctx context.Context, name, file string, o CreateOptions) error {
	if err := spec.CheckName(name); err != nil {
		return err
	}
	if file == "" && o.Flake == "" {
		return fmt.Errorf("%w: give a config file or --flake", ErrInvalid)
	}
	src, err := sourceFor(name, file, o.Flake, Source{}, m.nixArgs)
	if err != nil {
		return err
	}
	if o.declared {
		src.Allow = o.allow
	}
	return m.recs.withLock(ctx, name, func() error {
		if err := m.net.refuseOtherInstallation(); err != nil {
			return fmt.Errorf("creating %s: %w", name, err)
		}
		if m.recs.exists(name) {
			if _, err := m.recs.load(name); errors.Is(err, ErrCorrupt) {
				return fmt.Errorf("%w: %s, with an unreadable record (run nixlxc doctor --repair, or destroy it)", ErrExists, name)
			}
			return fmt.Errorf("%w: %s (use update to change it)", ErrExists, name)
		}
		if _, err := os.Lstat(m.paths.containerDir(name)); err == nil {
			return fmt.Errorf("%w: %s has leftovers of an interrupted command in %s (run nixlxc doctor --repair)", ErrExists, name, m.paths.containerDir(name))
		}
		// The profile directory is nixos-container's layout too: never take
		// over a profile nixlxc did not make.
		profDir := filepath.Dir(m.paths.profile(name).Path)
		if _, err := os.Lstat(profDir); err == nil {
			switch owner, mk := m.recs.profileOwner(name); owner {
			case ownerUs:
				return fmt.Errorf("%w: %s has leftovers of an interrupted command in %s (run nixlxc doctor --repair)", ErrExists, name, profDir)
			case ownerOther:
				return fmt.Errorf("%w: the profile %s belongs to another nixlxc installation (state directory %s)", ErrExists, profDir, oneline.Clean(mk.StateDir))
			case ownerUnknown:
				return fmt.Errorf("%w: the profile %s was made by an older nixlxc for another installation (remove it if nothing uses it)", ErrExists, profDir)
			}
			return fmt.Errorf("%w: the profile %s exists and is not nixlxc's (a nixos-container named %s?)", ErrExists, profDir, name)
		}
		if err := m.paths.checkReachable(); err != nil {
			return err
		}
		settings, err := m.readSettings(ctx, m.nix(src), name, src)
		if err != nil {
			return err
		}
		settings.Ephemeral = settings.Ephemeral || o.Ephemeral

		r := revert.New()
		defer r.Fail()

		rec := &record{
			Name:        name,
			Created:     time.Now().UTC(),
			SharedIDMap: o.SharedIDMap,
			Ephemeral:   o.Ephemeral,
			Throwaway:   o.throwaway(),
			Declared:    o.declared,
			Settings:    settings,
		}
		rec.useSource(src)

		if err := os.Mkdir(m.paths.containerDir(name), 0o711); err != nil {
			return fmt.Errorf("creating %s: %w", m.paths.containerDir(name), err)
		}
		r.Add(func() { rmtree.RemoveAll(m.paths.containerDir(name)) })
		faultpoint.Hit("create:dir")

		d, err := m.net.db()
		if err != nil {
			return err
		}
		if err := d.Update(ctx, func(tx *ipam.Tx) error { return m.net.leaseIDs(tx, rec) }); err != nil {
			return err
		}
		r.Add(func() { m.net.releaseAll(context.Background(), name) })
		ip, undoNet, err := m.net.lease(ctx, rec, settings)
		if err != nil {
			return err
		}
		r.Add(undoNet)
		// Before the build: a taken host port fails at once.
		undoFwd, err := m.net.forward(ctx, name, settings)
		if err != nil {
			return err
		}
		r.Add(undoFwd)
		faultpoint.Hit("create:leased")
		system, done, err := m.build(ctx, rec, settings, ip)
		if err != nil {
			return err
		}
		defer done()
		faultpoint.Hit("create:built")
		prof := m.paths.profile(name)
		if err := m.recs.claimProfile(name); err != nil {
			return err
		}
		r.Add(func() { prof.RemoveAll() })
		gen, _, err := m.recs.addGeneration(ctx, name, system)
		if err != nil {
			return err
		}
		rec.remember(gen.Path, src)
		done()
		faultpoint.Hit("create:generation")

		if err := makeRootfs(m.paths.rootfs(name), m.paths.runDir(name), int(rec.IDMapBase)); err != nil {
			return err
		}
		if err := closeContainerDir(m.paths.containerDir(name), int(rec.IDMapBase)); err != nil {
			return err
		}
		faultpoint.Hit("create:rootfs")
		if err := m.cfg.writeNetworked(rec, settings); err != nil {
			return err
		}
		faultpoint.Hit("create:config")
		// The record makes the container exist: an interrupted create
		// stops short of it and undoes the rest.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("creating %s: %w", name, err)
		}
		if err := m.recs.save(rec); err != nil {
			return err
		}
		r.Success()
		m.emit(Progress, name, "created %s: generation %d, %s", name, gen.Number, system)
		return nil
	})
}

// sharedIDMapBase is where nixcloud-container mapped every container's root.
const sharedIDMapBase = 100000

// configFile checks the container file exists and makes its path absolute:
// Nix resolves the file's relative imports from there.
func configFile(file string) (string, error) { return nixFile("config file", file) }

// nixFile is configFile for a file of any kind (what names it in errors).
func nixFile(what, file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w %s %s: no such file", ErrInvalid, what, file)
	}
	if err != nil {
		return "", fmt.Errorf("%w %s %s: %v", ErrInvalid, what, file, err)
	}
	switch {
	case st.IsDir():
		err := inputfile.Check(filepath.Join(abs, "default.nix"))
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%w %s %s: a directory without default.nix", ErrInvalid, what, file)
		}
		if err != nil {
			// A FIFO would keep Nix waiting forever.
			return "", fmt.Errorf("%w %s %s: %v", ErrInvalid, what, file, err)
		}
	case !st.Mode().IsRegular():
		// A device or FIFO would keep Nix reading forever.
		return "", fmt.Errorf("%w %s %s: not a regular file", ErrInvalid, what, file)
	}
	return abs, nil
}

// readSettings evaluates and checks the settings around the configuration.
func (m *Manager) readSettings(ctx context.Context, nix builder, name string, src Source) (spec.Settings, error) {
	var e spec.Evaluated
	var err error
	file := src.String()
	if src.Flake != "" {
		// The flake's own inputs decide its nixpkgs.
		e, err = nix.FlakeSettings(ctx, src.Flake)
	} else {
		// Before anything is evaluated: a nixpkgs too new for this Nix
		// fails with one clear line, not deep in its evaluation.
		if err := nix.CheckVersion(ctx); err != nil {
			return spec.Settings{}, err
		}
		e, err = nix.Settings(ctx, src.ConfigFile)
	}
	if err != nil {
		return spec.Settings{}, err
	}
	s, fileName, err := spec.FromEvaluated(e)
	if err != nil {
		return s, fmt.Errorf("%s: %w", file, err)
	}
	if err := m.guard().checkSettings(name, s); err != nil {
		return s, fmt.Errorf("%s: %w", file, err)
	}
	if err := m.net.checkMacvlans(s); err != nil {
		return s, fmt.Errorf("%s: %w", file, err)
	}
	if fileName != "" && fileName != name {
		m.emit(Note, name, "note: %s names the container %q; the command line's %q is used", filepath.Base(src.ConfigFile), fileName, name)
	}
	return s, nil
}

// build runs nix-build for the container; ip is its hostonly address. The
// result stays a GC root until done is called, which the caller does once
// the system is a generation (calling it again does nothing).
func (m *Manager) build(ctx context.Context, rec *record, s spec.Settings, ip string) (system string, done func(), err error) {
	src := rec.source()
	m.emit(Progress, rec.Name, "building the system of %s from %s", rec.Name, src)
	link := filepath.Join(m.paths.tmpDir(), fmt.Sprintf("build-%s-%d", rec.Name, os.Getpid()))
	// nix-build registers the link as an indirect GC root.
	done = func() {
		os.Remove(link)
		os.Remove(filepath.Join(m.paths.gcRootDir, generations.GCRootName(link)))
	}
	req := buildRequest(rec.Name, src.ConfigFile, ip, s, m.net.nameservers(s), link)
	req.Flake = src.Flake
	req.StateVersion = rec.StateVersion
	progress := newBuildReporter(m.events, rec.Name)
	req.Progress = progress.progress
	progress.begin()
	system, err = m.nixFor(rec).BuildSystem(ctx, req)
	progress.end()
	if err != nil {
		done()
		return "", func() {}, err
	}
	if rec.StateVersion == "" {
		rec.StateVersion = builtStateVersion(system)
	}
	return system, done, nil
}

type generationInfo struct {
	Number int
	Path   string
}

// makeRootfs creates the container's root and the directory it reports
// through, owned by its mapped root.
func makeRootfs(rootfs, runDir string, id int) error {
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		return fmt.Errorf("creating rootfs: %w", err)
	}
	if err := os.Chmod(rootfs, 0o755); err != nil {
		return err
	}
	if err := os.Lchown(rootfs, id, id); err != nil {
		return fmt.Errorf("creating rootfs: %w", err)
	}
	if err := makeRootDirs(rootfs, id); err != nil {
		return err
	}
	if err := os.Mkdir(runDir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", runDir, err)
	}
	return os.Lchown(runDir, id, id)
}

// makeRootDirs creates what a root needs before its system's activation:
// mount points and the directories it writes first.
func makeRootDirs(rootfs string, id int) error {
	dirs := []struct {
		path string
		mode os.FileMode
	}{
		{"dev", 0o755}, {"proc", 0o555}, {"sys", 0o555}, {"run", 0o755},
		{"tmp", 0o1777}, {"etc", 0o755}, {"root", 0o700}, {"var", 0o755},
		{"nix", 0o755}, {"nix/store", 0o755}, {"nix/var", 0o755}, {"nix/var/nix", 0o755},
		{"nix/var/nix/profiles", 0o755},
	}
	for _, d := range dirs {
		p := filepath.Join(rootfs, d.path)
		if err := os.Mkdir(p, d.mode); err != nil {
			return fmt.Errorf("creating rootfs: %w", err)
		}
		if err := os.Chmod(p, d.mode); err != nil {
			return err
		}
		if err := os.Lchown(p, id, id); err != nil {
			return fmt.Errorf("creating rootfs: %w", err)
		}
	}
	return nil
}

// closeContainerDir lets only the container's root (its host gid) pass
// through the container's directory to its rootfs: host users must not
// reach the container's files, where a setuid program the container made
// would run as the container's root (and world-readable files are read).
func closeContainerDir(dir string, gid int) error {
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return err
	}
	if st.Uid == 0 && int(st.Gid) == gid && st.Mode&0o7777 == 0o710 {
		return nil
	}
	if err := os.Lchown(dir, 0, gid); err != nil {
		return err
	}
	return os.Chmod(dir, 0o710)
}

// throwaway is this process, for a throwaway container's record.
func (o CreateOptions) throwaway() *process {
	if !o.Throwaway {
		return nil
	}
	started, _ := procstat.StartTime(os.Getpid())
	return &process{PID: os.Getpid(), Started: started}
}

// process is one process, told apart from a later one with its id by when
// it started.
type process struct {
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
}

// alive says whether p still runs.
func (p process) alive() bool {
	started, err := procstat.StartTime(p.PID)
	return err == nil && started.Equal(p.Started)
}

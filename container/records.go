package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/nixlxc/nixlxc/atomicfile"
	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/nixlxc/nixlxc/lock"
	"github.com/nixlxc/nixlxc/spec"
)

// records keeps what nixlxc knows of its containers: the record of each
// (whose existence makes a container exist), its lock, its profile and
// generations, and which profiles this installation made. Nothing else
// reads or writes those files.
type records struct {
	paths layout
	mu    sync.Mutex
	id    string // the installation's, read on first use
}

// autostartOf is a container's autostart setting in its current generation.
func (rs *records) autostartOf(rec *record) spec.Autostart {
	return rs.currentSettings(rec).Autostart
}

// addGeneration makes system the profile's current generation, under the
// profile lock nix-env also honours.
func (rs *records) addGeneration(ctx context.Context, name, system string) (g generationInfo, created bool, err error) {
	prof := rs.paths.profile(name)
	l, err := prof.Lock(ctx)
	if err != nil {
		return g, false, err
	}
	defer l.Release()
	gen, created, err := prof.Add(system)
	if err != nil {
		return g, false, err
	}
	return generationInfo{Number: gen.Number, Path: gen.Path}, created, nil
}

// installationID is this installation's id, made on first use.
func (rs *records) installationID() (string, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.id != "" {
		return rs.id, nil
	}
	id, err := readInstallationID(rs.paths.installationPath())
	if errors.Is(err, os.ErrNotExist) {
		id, err = makeInstallationID(rs.paths.installationPath())
	}
	if err != nil {
		return "", fmt.Errorf("reading this installation's id: %w", err)
	}
	rs.id = id
	return id, nil
}

func (rs *records) claimProfile(name string) error {
	id, err := rs.installationID()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(rs.paths.markerPath(name)), 0o755); err != nil {
		return err
	}
	data, _ := json.Marshal(marker{Container: name, Installation: id, StateDir: rs.paths.stateDir})
	return os.WriteFile(rs.paths.markerPath(name), append(data, '\n'), 0o644)
}

// profileOwner tells who made the container's profile directory.
func (rs *records) profileOwner(name string) (profileOwner, marker) {
	data, err := os.ReadFile(rs.paths.markerPath(name))
	if err != nil {
		return ownerNone, marker{}
	}
	var mk marker
	if json.Unmarshal(data, &mk) != nil || mk.Installation == "" {
		return ownerUnknown, marker{}
	}
	id, err := rs.installationID()
	if err != nil || mk.Installation != id {
		return ownerOther, mk
	}
	return ownerUs, mk
}

// ownsProfile reports whether this installation may change or remove the
// container's profile: it made it, or (an older nixlxc's marker) it has the
// container.
func (rs *records) ownsProfile(name string) bool {
	switch owner, _ := rs.profileOwner(name); owner {
	case ownerUs:
		return true
	case ownerUnknown:
		return rs.exists(name)
	}
	return false
}

// withLock runs fn holding the container's lock, waiting for it. The name
// is checked first: it becomes a file name.
func (rs *records) withLock(ctx context.Context, name string, fn func() error) error {
	unlock, err := rs.lock(ctx, name, true)
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// withIdle runs fn holding the container's lock, unless a command holds it
// now (doctor leaves busy containers alone).
func (rs *records) withIdle(name string, fn func() error) error {
	unlock, err := rs.lock(context.Background(), name, false)
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// lockContainer takes the container's lock: waiting for it, or failing
// when a command holds it. unlock removes the lock file when the name is
// no container (a typo, a failed create, a destroy), in the way that makes
// waiters retry.
func (rs *records) lock(ctx context.Context, name string, wait bool) (unlock func(), err error) {
	if err := spec.CheckName(name); err != nil {
		return nil, err
	}
	var l *lock.File
	if wait {
		l, err = lock.Acquire(ctx, rs.paths.lockPath(name))
	} else {
		var ok bool
		l, ok, err = lock.TryAcquire(rs.paths.lockPath(name))
		if err == nil && !ok {
			err = fmt.Errorf("%s is busy (a command is working on it)", name)
		}
	}
	if err != nil {
		return nil, err
	}
	return func() {
		if rs.exists(name) {
			l.Release()
		} else {
			l.ReleaseAndRemove()
		}
	}, nil
}

func (rs *records) load(name string) (*record, error) {
	var r record
	if err := rs.decode(name, &r, &r.Name); err != nil {
		return nil, err
	}
	return &r, nil
}

// decode reads name's record into into, whose field *named is the name
// the record holds.
func (rs *records) decode(name string, into any, named *string) error {
	if err := spec.CheckName(name); err != nil {
		return err
	}
	data, err := os.ReadFile(rs.paths.recordPath(name))
	if errors.Is(err, os.ErrNotExist) {
		return notFound(name)
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, into); err != nil || *named != name {
		if err == nil {
			err = fmt.Errorf("it names container %q", oneline.Clean(*named))
		}
		return fmt.Errorf("%w: %s: %s (%v); run nixlxc doctor --repair, or destroy it", ErrCorrupt, name, rs.paths.recordPath(name), err)
	}
	return nil
}

// loadUsable loads a record a command may change: not one being destroyed.
func (rs *records) usable(name string) (*record, error) {
	r, err := rs.load(name)
	if err != nil {
		return nil, err
	}
	if err := notDestroying(name, r.Destroying); err != nil {
		return nil, err
	}
	return r, nil
}

// present checks for run and login, which need no more of the record, what
// usable does: the record is there, whole JSON naming name, and not being
// destroyed. It decodes only those two fields: decoding the whole record
// costs a fresh process (every run) about 0.2 ms, more than the rest of
// its reading.
func (rs *records) present(name string) error {
	var r struct {
		Name       string `json:"name"`
		Destroying bool   `json:"destroying"`
	}
	if err := rs.decode(name, &r, &r.Name); err != nil {
		return err
	}
	return notDestroying(name, r.Destroying)
}

func notDestroying(name string, destroying bool) error {
	if destroying {
		return fmt.Errorf("%w: %s is being destroyed (an earlier destroy was interrupted): run nixlxc destroy %s", ErrNotFound, name, name)
	}
	return nil
}

func (rs *records) save(r *record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(rs.paths.recordPath(r.Name), append(data, '\n'), 0o600)
}

// exists reports whether name is a container.
func (rs *records) exists(name string) bool {
	_, err := os.Stat(rs.paths.recordPath(name))
	return err == nil
}

func (rs *records) storedRenderKey(name string) string {
	data, err := os.ReadFile(rs.paths.renderKeyPath(name))
	if err != nil {
		return ""
	}
	return string(data)
}

func (rs *records) storeRenderKey(name, key string) {
	if key != "" {
		os.WriteFile(rs.paths.renderKeyPath(name), []byte(key), 0o600)
	}
}

func (rs *records) forgetRenderKey(name string) {
	os.Remove(rs.paths.renderKeyPath(name))
}

// currentSystem is the store path of the profile's current generation.
func (rs *records) currentSystem(name string) (string, error) {
	p, err := filepath.EvalSymlinks(rs.paths.profile(name).Path)
	if err != nil {
		return "", fmt.Errorf("%s has no current generation (%v); run nixlxc doctor", name, err)
	}
	return p, nil
}

// dropGeneration undoes addGeneration: the profile points at generation
// prev again, and generation n goes if it was made for this update.
func (rs *records) dropGeneration(name string, prev, n int, created bool) {
	prof := rs.paths.profile(name)
	l, err := prof.Lock(context.Background())
	if err != nil {
		return
	}
	defer l.Release()
	if _, err := prof.Switch(prev); err == nil && created && n != prev {
		prof.Delete([]int{n})
	}
}

// current is the profile's current generation.
func (rs *records) current(name string) (generations.Generation, error) {
	gens, err := rs.paths.profile(name).List()
	if err != nil {
		return generations.Generation{}, err
	}
	g, ok := generations.CurrentOf(gens)
	if !ok {
		return g, fmt.Errorf("%s has no current generation; run nixlxc doctor", name)
	}
	return g, nil
}

func (rs *records) switchProfile(ctx context.Context, name string, n int) error {
	prof := rs.paths.profile(name)
	l, err := prof.Lock(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	_, err = prof.Switch(n)
	return err
}

// names are the containers, sorted.
func (rs *records) names() ([]string, error) {
	entries, err := os.ReadDir(rs.paths.lxcPath())
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && spec.CheckName(e.Name()) == nil && rs.exists(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

package container

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nixlxc/nixlxc/atomicfile"
	"github.com/nixlxc/nixlxc/declare"
	"github.com/nixlxc/nixlxc/lock"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/nixlxc/nixlxc/spec"
)

// ApplyOptions are apply's choices.
type ApplyOptions struct {
	// DryRun plans and changes nothing.
	DryRun bool
	// Parallel bounds how many containers are worked on at once.
	Parallel int
	// PruneAll destroys containers the declaration does not list even
	// when apply did not make them.
	PruneAll bool
	// Plan hears the plan before anything is done.
	Plan func([]declare.Step)
	// Start starts a container and waits for it to boot, within timeout
	// (in a process of its own, as autostart does).
	Start func(ctx context.Context, name string, timeout time.Duration) error
}

// ApplyResult is what apply did: the plan, and the containers whose step
// failed, with why.
type ApplyResult struct {
	Steps  []declare.Step
	Failed []ApplyFailure
}

// ApplyFailure is a step that failed.
type ApplyFailure struct {
	Name string
	Err  error
}

// Apply converges the host to a declaration file (nixlxc apply): it creates
// the containers it lists that are missing, updates those whose system or
// settings changed (in place when they run, as update does), starts those
// with autoStart that are stopped, leaves the others untouched, and
// destroys the containers apply made that it no longer lists. Containers
// are worked on in parallel; one failing stops none of the others.
func (m *Manager) Apply(ctx context.Context, file string, o ApplyOptions) (ApplyResult, error) {
	a := &applier{m: m, o: o}
	if o.DryRun {
		return a.apply(ctx, file)
	}
	// One apply at a time: a second (a switch while one runs by hand)
	// waits, then finds the host as the first left it.
	var res ApplyResult
	err := lock.With(ctx, filepath.Join(m.paths.locksDir(), "_apply.lock"), func() error {
		var err error
		res, err = a.apply(ctx, file)
		return err
	})
	return res, err
}

// applier carries out one apply.
type applier struct {
	m *Manager
	o ApplyOptions
	// decls are the declared containers, by name; files their container
	// files; allow the directories their builds may read (Source.Allow).
	decls map[string]spec.Declaration
	files map[string]string
	allow map[string][]string
}

func (a *applier) apply(ctx context.Context, file string) (ApplyResult, error) {
	var res ApplyResult
	file, err := nixFile("declaration file", file)
	if err != nil {
		return res, err
	}
	nix := a.m.nix(Source{NixArgs: a.m.nixArgs})
	if err := nix.CheckVersion(ctx); err != nil {
		return res, err
	}
	raw, err := nix.Declarations(ctx, file)
	if err != nil {
		return res, err
	}
	dir := a.m.paths.declaredDir()
	if a.o.DryRun {
		if dir, err = os.MkdirTemp(a.m.paths.tmpDir(), "plan-"); err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	a.decls, a.files, a.allow = map[string]spec.Declaration{}, map[string]string{}, map[string][]string{}
	var desired []declare.Desired
	for _, name := range sortedNames(raw) {
		d, err := spec.FromDeclared(name, raw[name])
		if err != nil {
			desired = append(desired, declare.Desired{Name: name, Err: err.Error()})
			continue
		}
		text, err := nix.DeclaredFile(file, name)
		if err != nil {
			return res, err
		}
		path := filepath.Join(dir, name+".nix")
		if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, text) {
			if err := atomicfile.WriteFile(path, text, 0o644); err != nil {
				return res, err
			}
		}
		a.decls[name], a.files[name] = d, path
		a.allow[name] = []string{filepath.Dir(file)}
		if dir := raw[name].ConfigDir; dir != "" && dir != filepath.Dir(file) {
			a.allow[name] = append(a.allow[name], dir)
		}
		desired = append(desired, declare.Desired{Name: name, Settings: d.Settings, RestartIfChanged: d.RestartIfChanged})
	}
	current, err := a.current()
	if err != nil {
		return res, err
	}
	a.evaluate(ctx, desired, current)
	res.Steps = declare.Plan(desired, current, declare.Options{PruneAll: a.o.PruneAll})
	if a.o.Plan != nil {
		a.o.Plan(res.Steps)
	}
	if a.o.DryRun {
		return res, nil
	}
	res.Failed = a.run(ctx, res.Steps)
	a.removeStaleFiles()
	return res, ctx.Err()
}

// removeStaleFiles removes the container files apply wrote for containers
// that are neither declared nor there (a create that failed, and then left
// the declaration).
func (a *applier) removeStaleFiles() {
	entries, _ := os.ReadDir(a.m.paths.declaredDir())
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".nix")
		if !ok || spec.CheckName(name) != nil {
			continue
		}
		if _, declared := a.decls[name]; !declared && !a.m.recs.exists(name) {
			os.Remove(a.m.paths.declaredFile(name))
		}
	}
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// current is what the host has: every container with its system, settings
// and state.
func (a *applier) current() ([]declare.Current, error) {
	names, err := a.m.recs.names()
	if err != nil {
		return nil, err
	}
	active := a.m.lxc.Active()
	var out []declare.Current
	for _, name := range names {
		c := declare.Current{Name: name, Running: active[name]}
		if rec, err := a.m.recs.load(name); err == nil {
			c.Declared, c.Active, c.Settings = rec.Declared, rec.Active, a.m.recs.currentSettings(rec)
		}
		c.System, _ = a.m.recs.currentSystem(name)
		if !c.Running {
			c.Active = ""
		}
		out = append(out, c)
	}
	return out, nil
}

// evaluate sets the system each declared container that exists would be
// built to now, with the addresses it has: those unchanged are left alone.
// A container whose network settings change gets new addresses, so its
// system is to be built anyway; one that does not evaluate is left to its
// update, which says why.
func (a *applier) evaluate(ctx context.Context, desired []declare.Desired, current []declare.Current) {
	have := map[string]declare.Current{}
	for _, c := range current {
		have[c.Name] = c
	}
	addrs, err := a.m.net.allAddresses()
	if err != nil {
		return
	}
	groups := map[string]map[string]nixsys.Build{}
	args := map[string][]string{}
	for _, d := range desired {
		c, ok := have[d.Name]
		if !ok || d.Err != "" || c.Settings.Network != d.Settings.Network {
			continue
		}
		rec, err := a.m.recs.load(d.Name)
		ho := addrs[d.Name].Hostonly
		if err != nil || ho == nil || !prefixAddr(ho.IPv4).IsValid() {
			continue
		}
		s := a.settingsFor(rec, d.Settings)
		b := buildRequest(d.Name, a.files[d.Name], prefixAddr(ho.IPv4).String(), s, a.m.net.nameservers(s), "")
		b.StateVersion = rec.StateVersion
		nixArgs := rec.NixArgs
		if a.m.nixArgs != nil {
			nixArgs = a.m.nixArgs
		}
		key := strings.Join(nixArgs, "\x00")
		if groups[key] == nil {
			groups[key] = map[string]nixsys.Build{}
		}
		groups[key][d.Name], args[key] = b, nixArgs
	}
	systems := map[string]string{}
	for key, builds := range groups {
		// One evaluation reads what each of its builds may read.
		var allow []string
		for _, name := range sortedNames(builds) {
			allow = append(allow, a.allow[name]...)
		}
		for name, path := range a.systems(ctx, a.m.nix(Source{NixArgs: args[key], Allow: allow}), builds) {
			systems[name] = path
		}
	}
	for i := range desired {
		desired[i].System = systems[desired[i].Name]
	}
}

// systems evaluates builds in evaluations of a share each, as many at once
// as there are cores (and Parallel allows): an evaluation is one process
// on one core. Where one fails (a configuration does not evaluate), its
// containers are evaluated alone, so the others are still compared.
func (a *applier) systems(ctx context.Context, nix builder, builds map[string]nixsys.Build) map[string]string {
	names := sortedNames(builds)
	n := max(1, min(a.o.Parallel, goruntime.NumCPU(), len(names)))
	shares := make([]int, n)
	for i := range shares {
		shares[i] = i
	}
	out := map[string]string{}
	var mu sync.Mutex
	evaluate := func(share map[string]nixsys.Build) bool {
		paths, err := nix.Systems(ctx, share)
		if err != nil {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		for name, p := range paths {
			out[name] = p
		}
		return true
	}
	each(ctx, a.o.Parallel, shares, func(k int) {
		share := map[string]nixsys.Build{}
		for j := k; j < len(names); j += n {
			share[names[j]] = builds[names[j]]
		}
		if evaluate(share) {
			return
		}
		for name, b := range share {
			evaluate(map[string]nixsys.Build{name: b})
		}
	})
	return out
}

// settingsFor are the settings an update of rec from its declaration
// builds with (create --ephemeral holds).
func (a *applier) settingsFor(rec *record, s spec.Settings) spec.Settings {
	s.Ephemeral = s.Ephemeral || rec.Ephemeral
	return s
}

// each runs fn for every item, parallel at a time, until ctx ends.
func each[T any](ctx context.Context, parallel int, items []T, fn func(T)) {
	n := max(1, parallel)
	work := make(chan T)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for item := range work {
				fn(item)
			}
		}()
	}
	for _, item := range items {
		if ctx.Err() != nil {
			break
		}
		work <- item
	}
	close(work)
	wg.Wait()
}

package container

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nixlxc/nixlxc/declare"
	"github.com/nixlxc/nixlxc/spec"
)

// run carries out the plan: destroys first (they free addresses and host
// ports), then every other step, Parallel at a time. Each container's
// failure is its own: the others go on.
func (a *applier) run(ctx context.Context, steps []declare.Step) []ApplyFailure {
	var failed []ApplyFailure
	var mu sync.Mutex
	byName := map[string]declare.Step{}
	var destroys, rest []string
	for _, s := range steps {
		byName[s.Name] = s
		switch s.Action {
		case declare.Destroy:
			destroys = append(destroys, s.Name)
		case declare.Keep:
			if !s.Adopt {
				continue
			}
			rest = append(rest, s.Name)
		default:
			rest = append(rest, s.Name)
		}
	}
	do := func(name string) {
		if err := a.step(ctx, byName[name]); err != nil {
			mu.Lock()
			failed = append(failed, ApplyFailure{Name: name, Err: err})
			mu.Unlock()
		}
	}
	each(ctx, a.o.Parallel, destroys, do)
	each(ctx, a.o.Parallel, rest, do)
	sortFailures(failed)
	return failed
}

func sortFailures(f []ApplyFailure) {
	sort.Slice(f, func(i, j int) bool { return f[i].Name < f[j].Name })
}

// step carries out one container's step.
func (a *applier) step(ctx context.Context, s declare.Step) error {
	m, name := a.m, s.Name
	d := a.decls[name]
	switch s.Action {
	case declare.Destroy:
		return destroy(ctx, m, name, true, true)
	case declare.Hold:
		return errors.New(s.Reason)
	case declare.Keep:
		return m.recs.withLock(ctx, name, func() error { return m.recs.setDeclared(name, a.allow[name]) })
	case declare.Start:
		return a.start(ctx, name, d)
	case declare.Create:
		if err := m.Create(ctx, name, a.files[name], CreateOptions{declared: true, allow: a.allow[name]}); err != nil {
			return err
		}
	case declare.Restart:
		if err := m.Stop(ctx, name, DefaultStopTimeout); err != nil {
			return err
		}
		if err := m.Update(ctx, name, a.files[name], UpdateOptions{declared: true, allow: a.allow[name]}); err != nil {
			// It was running: it runs again, with what it had.
			if serr := a.start(ctx, name, d); serr != nil {
				return fmt.Errorf("%w; starting it again: %v", err, serr)
			}
			return err
		}
		return a.start(ctx, name, d)
	case declare.Update:
		if err := m.Update(ctx, name, a.files[name], UpdateOptions{declared: true, allow: a.allow[name]}); err != nil {
			return err
		}
	default:
		return fmt.Errorf("no step %q", s.Action)
	}
	if s.StartAfter {
		return a.start(ctx, name, d)
	}
	return nil
}

// start starts a declared container through the caller's starter.
func (a *applier) start(ctx context.Context, name string, d spec.Declaration) error {
	if a.o.Start == nil {
		return a.m.Start(ctx, name, StartOptions{Timeout: d.TimeoutStart})
	}
	if err := a.o.Start(ctx, name, d.TimeoutStart); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	return nil
}

// DefaultStopTimeout is how long a clean stop may take before the
// container is killed.
const DefaultStopTimeout = 30 * time.Second

// setDeclared marks a container as apply's: apply destroys it once its
// declaration is gone, and destroy refuses it without --force.
func (rs *records) setDeclared(name string, allow []string) error {
	rec, err := rs.usable(name)
	if err != nil || rec.Declared && slices.Equal(rec.Allow, allow) {
		return err
	}
	// The declaration (or its config file) may have moved without changing
	// the system: later builds read where it is now.
	rec.Declared, rec.Allow = true, allow
	if system, err := rs.currentSystem(name); err == nil {
		if s, ok := rec.Sources[system]; ok {
			s.Allow = allow
			rec.remember(system, s)
		}
	}
	return rs.save(rec)
}

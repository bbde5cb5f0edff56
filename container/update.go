package container

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/faultpoint"
	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/revert"
	"github.com/nixlxc/nixlxc/spec"
)

// DefaultHealthTimeout bounds how long update --auto-rollback waits for the
// new system to report healthy.
const DefaultHealthTimeout = 30 * time.Second

// UpdateOptions are update's choices.
type UpdateOptions struct {
	// Flake builds REF#ATTR instead of a config file (see CreateOptions).
	Flake string
	// AutoRollback re-activates the previous generation when the new one
	// fails to activate or does not report healthy within HealthTimeout.
	AutoRollback  bool
	HealthTimeout time.Duration
	// declared: apply updates it from a declaration, which manages it
	// from now on, and whose builds may read allow (Source.Allow).
	declared bool
	allow    []string
}

// Update builds file (or o.Flake; neither: the current generation's source
// again) as the container's next generation. The settings outside
// `configuration` are read again and the LXC config re-rendered. A running
// container switches to the new system in place; a stopped one boots it at
// its next start. Building the same system again makes no generation.
func (m *Manager) Update(ctx context.Context, name, file string, o UpdateOptions) error {
	if file != "" || o.Flake != "" {
		// A file or flake given is checked first: a mistake in it is the
		// error, whatever the container.
		if _, err := sourceFor(name, file, o.Flake, Source{}, nil); err != nil {
			return err
		}
	}
	return m.recs.withLock(ctx, name, func() error {
		rec, err := m.recs.usable(name)
		if err != nil {
			return err
		}
		// The Nix arguments of the current generation stay in force until
		// given anew, so `update NAME FILE` builds against the same nixpkgs.
		src, err := sourceFor(name, file, o.Flake, m.recs.currentSource(rec), m.nixArgs)
		if err != nil {
			return err
		}
		if o.declared {
			src.Allow = o.allow
		}
		next := *rec
		next.useSource(src)
		next.Declared = rec.Declared || o.declared
		settings, err := m.readSettings(ctx, m.nixFor(&next), name, src)
		if err != nil {
			return err
		}
		settings.Ephemeral = settings.Ephemeral || rec.Ephemeral
		prev, err := m.recs.current(name)
		if err != nil {
			return err
		}

		if err := m.act().checkNetworkChange(name, rec.Settings, settings); err != nil {
			return err
		}
		r := revert.New()
		defer r.Fail()
		next.Settings = settings
		ip, undoNet, err := m.net.lease(ctx, &next, settings)
		if err != nil {
			return err
		}
		r.Add(undoNet)
		undoFwd, err := m.net.forward(ctx, name, settings)
		if err != nil {
			return err
		}
		r.Add(undoFwd)
		faultpoint.Hit("update:leased")
		system, done, err := m.build(ctx, &next, settings, ip)
		if err != nil {
			return err
		}
		defer done()
		faultpoint.Hit("update:built")
		gen, created, err := m.recs.addGeneration(ctx, name, system)
		if err != nil {
			return err
		}
		r.Add(func() { m.recs.dropGeneration(name, prev.Number, gen.Number, created) })
		next.remember(gen.Path, src)
		done()
		faultpoint.Hit("update:generation")
		// Activation is the point of no return; an interrupted update
		// stops short of it and undoes the rest.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("updating %s: %w", name, err)
		}
		if gen.Number == prev.Number && m.act().activeSystem(rec) == gen.Path {
			r.Success()
			m.emit(Note, name, "%s: the system is unchanged; generation %d stays current", name, gen.Number)
			return m.recs.save(&next)
		}
		if created {
			m.emit(Progress, name, "%s: built generation %d", name, gen.Number)
		}
		r.Success()
		return m.act().activate(ctx, &next, prev, gen.Number, o)
	})
}

// Rollback moves the container to the generation before the current one.
func (m *Manager) Rollback(ctx context.Context, name string) error {
	return m.switchChosen(ctx, name, func(gens []generations.Generation) (int, error) {
		prev, err := generations.Previous(gens)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return prev.Number, nil
	})
}

// SwitchGeneration moves the container to generation n.
func (m *Manager) SwitchGeneration(ctx context.Context, name string, n int) error {
	return m.switchChosen(ctx, name, func(gens []generations.Generation) (int, error) {
		if _, err := generations.Find(gens, n); err != nil {
			return 0, fmt.Errorf("%w: %s has no generation %d", ErrNoGeneration, name, n)
		}
		return n, nil
	})
}

// switchChosen switches to the generation choose picks from the profile.
func (m *Manager) switchChosen(ctx context.Context, name string, choose func([]generations.Generation) (int, error)) error {
	return m.recs.withLock(ctx, name, func() error {
		rec, err := m.recs.usable(name)
		if err != nil {
			return err
		}
		gens, err := m.paths.profile(name).List()
		if err != nil {
			return err
		}
		n, err := choose(gens)
		if err != nil {
			return err
		}
		return m.act().switchTo(ctx, rec, n)
	})
}

// switchTo makes generation n current: its recorded settings apply again,
// and a running container activates its system in place.
func (a *activation) switchTo(ctx context.Context, rec *record, n int) error {
	// A profile whose current link is lost can still be pointed at n.
	prev, _ := a.m.recs.current(rec.Name)
	gens, err := a.m.paths.profile(rec.Name).List()
	if err != nil {
		return err
	}
	target, err := generations.Find(gens, n)
	if err != nil {
		return err
	}
	// The profile may have been moved behind nixlxc's back (nix-env
	// --rollback): what counts is whether the running system is n's.
	if prev.Number == n && a.activeSystem(rec) == target.Path {
		a.m.emit(Note, rec.Name, "%s: generation %d is already current", rec.Name, n)
		return nil
	}
	next := *rec
	next.useSourceOf(target.Path)
	if next.Settings, err = systemSettings(target.Path, rec.Settings); err != nil {
		return err
	}
	if err := a.m.guard().checkSettings(rec.Name, next.Settings); err != nil {
		return fmt.Errorf("generation %d of %s: %w", n, rec.Name, err)
	}
	if err := a.checkNetworkChange(rec.Name, rec.Settings, next.Settings); err != nil {
		return err
	}
	if _, _, err := a.m.net.lease(ctx, &next, next.Settings); err != nil {
		return err
	}
	undoFwd, err := a.m.net.forward(ctx, rec.Name, next.Settings)
	if err != nil {
		return err
	}
	if err := a.m.recs.switchProfile(ctx, rec.Name, n); err != nil {
		undoFwd()
		return err
	}
	return a.activate(ctx, &next, prev, n, UpdateOptions{})
}

// checkNetworkChange refuses to change a running container's network
// settings: its interfaces keep their addresses until it restarts, and
// freeing them now would let another container take them.
func (a *activation) checkNetworkChange(name string, from, to spec.Settings) error {
	if from.Network == to.Network {
		return nil
	}
	if state, err := a.m.lxc.State(name); err != nil || state == lxcapi.Stopped {
		return err
	}
	return fmt.Errorf("%w: %s: the network settings change (%s to %s), which needs a restart: stop it first", ErrRunning, name, describeNetwork(from.Network), describeNetwork(to.Network))
}

func describeNetwork(n spec.Network) string {
	var parts []string
	if n.Bridge != "" {
		parts = append(parts, "bridge "+n.Bridge)
	}
	if n.IP != "" {
		parts = append(parts, "ip "+n.IP)
	} else {
		parts = append(parts, "automatic ip")
	}
	if n.EnableNat {
		parts = append(parts, "NAT")
	}
	return strings.Join(parts, ", ")
}

// activeSystem is the system nixlxc last booted or activated in a running
// container, or the profile's current one when it is stopped. It is the
// host's record, never what the container says about itself.
func (a *activation) activeSystem(rec *record) string {
	if rec.Active != "" {
		if state, err := a.m.lxc.State(rec.Name); err == nil && state != lxcapi.Stopped {
			return rec.Active
		}
	}
	p, _ := a.m.recs.currentSystem(rec.Name)
	return p
}

// ListGenerations returns the container's generations, oldest first.
func (m *Manager) ListGenerations(ctx context.Context, name string) ([]generations.Generation, error) {
	if _, err := m.recs.load(name); err != nil {
		return nil, err
	}
	return m.paths.profile(name).List()
}

// runningGeneration is the newest generation holding the running system,
// when that is not the profile's current one (0 otherwise).
func runningGeneration(gens []generations.Generation, running string) int {
	cur, _ := generations.CurrentOf(gens)
	if running == "" || cur.Path == running {
		return 0
	}
	n := 0
	for _, g := range gens {
		if g.Path == running && g.Number > n {
			n = g.Number
		}
	}
	return n
}

// DeleteGenerations deletes generations by nix-env's specs: numbers, old,
// +N, Nd. The current generation is never deleted, nor the one a running
// container runs when the profile was moved behind nixlxc's back (nix-env,
// a killed update): the collector would take the running system.
func (m *Manager) DeleteGenerations(ctx context.Context, name string, args []string) ([]int, error) {
	sel, err := generations.ParseDeleteSpec(args)
	if err != nil {
		return nil, err
	}
	var deleted []int
	err = m.recs.withLock(ctx, name, func() error {
		rec, err := m.recs.load(name)
		if err != nil {
			return err
		}
		prof := m.paths.profile(name)
		l, err := prof.Lock(ctx)
		if err != nil {
			return err
		}
		defer l.Release()
		gens, err := prof.List()
		if err != nil {
			return err
		}
		protect := runningGeneration(gens, m.act().activeSystem(rec))
		for _, n := range sel.Numbers {
			if protect > 0 && n == protect {
				return fmt.Errorf("%w of %s: generation %d is the one running", generations.ErrCurrent, name, n)
			}
		}
		deleted, err = generations.Select(gens, sel, time.Now())
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		kept := deleted[:0]
		for _, n := range deleted {
			if n != protect {
				kept = append(kept, n)
			}
		}
		deleted = kept
		if err := prof.Delete(deleted); err != nil {
			return err
		}
		// The sources of deleted generations go with them.
		if left, err := prof.List(); err == nil {
			rec.forgetSourcesBut(left)
			return m.recs.save(rec)
		}
		return nil
	})
	return deleted, err
}

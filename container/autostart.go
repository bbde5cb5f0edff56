package container

import (
	"context"
	"time"

	"github.com/nixlxc/nixlxc/autostart"
)

// autostartSet is every container whose current generation asks to be
// started at boot, grouped by order, lowest first.
func (rs *records) autostartSet() ([][]autostart.Member, error) {
	names, err := rs.names()
	if err != nil {
		return nil, err
	}
	var members []autostart.Member
	for _, name := range names {
		rec, err := rs.usable(name)
		if err != nil {
			continue
		}
		if a := rs.autostartOf(rec); a.Enable {
			members = append(members, autostart.Member{Name: name, Order: a.Order, Delay: time.Duration(a.Delay) * time.Second})
		}
	}
	return autostart.Groups(members), nil
}

// Autostart is what the host's boot service runs: the host's network first,
// then every autostart container, lower order first, one order's containers
// in parallel, each waited for until booted and retried (package autostart);
// starter starts one. A container that does not come up is in the result's
// Failed; the others still start.
func (m *Manager) Autostart(ctx context.Context, starter autostart.Starter, o autostart.Options) (autostart.Result, error) {
	if err := m.HostSetup(ctx); err != nil {
		return autostart.Result{}, err
	}
	groups, err := m.recs.autostartSet()
	if err != nil {
		return autostart.Result{}, err
	}
	return autostart.Start(ctx, groups, starter, o)
}

// ShutdownAll stops every running container cleanly, in the reverse of the
// autostart order (containers without autostart first), killing those that
// do not stop within timeout.
func (m *Manager) ShutdownAll(ctx context.Context, timeout time.Duration, parallel int, report func(autostart.Event)) (autostart.StopResult, error) {
	names, err := m.Names()
	if err != nil {
		return autostart.StopResult{}, err
	}
	active := m.lxc.Active()
	var members []autostart.Member
	for _, name := range names {
		if !active[name] {
			continue
		}
		order := 0
		if rec, err := m.recs.usable(name); err == nil {
			if a := m.recs.autostartOf(rec); a.Enable {
				order = a.Order
			} else {
				// Stopped first: nothing was ordered after them.
				order = maxOrder
			}
		}
		members = append(members, autostart.Member{Name: name, Order: order})
	}
	stop := func(ctx context.Context, name string) error { return m.Stop(ctx, name, timeout) }
	return autostart.Stop(ctx, autostart.Groups(members), stop, parallel, report), nil
}

// maxOrder sorts containers without autostart after every ordered one.
const maxOrder = int(^uint(0) >> 1)

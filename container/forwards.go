package container

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/diagnose"
	"github.com/nixlxc/nixlxc/spec"
)

// A container's forwardPorts become DNAT rules of its own in nixlxc's
// tables (package bridges), set when its settings take effect (create,
// update, a generation switch) and removed with it: one small nftables
// transaction each, never a whole host setup.

// forwardsOf turns the settings' forwardPorts into forwards to the
// container's addresses: its NAT address when it has one (replies leave by
// its default route), else its hostonly one, and its IPv6 address.
func (nw *network) forwardsOf(ctx context.Context, name string, s spec.Settings) ([]bridges.Forward, error) {
	if len(s.ForwardPorts) == 0 {
		return nil, nil
	}
	d, err := nw.db()
	if err != nil {
		return nil, err
	}
	ls, err := d.Leases(ctx, name)
	if err != nil {
		return nil, err
	}
	a := nw.addresses(name, ls)
	var v4, v6 netip.Addr
	if a.Hostonly != nil {
		v4 = prefixAddr(a.Hostonly.IPv4)
	}
	if a.Internet != nil && s.Network.EnableNat {
		if p := prefixAddr(a.Internet.IPv4); p.IsValid() {
			v4 = p
		}
		v6 = prefixAddr(a.Internet.IPv6)
	}
	var out []bridges.Forward
	for i, f := range s.ForwardPorts {
		var host netip.Addr
		if f.HostAddress != "" {
			host = netip.MustParseAddr(f.HostAddress)
		}
		fam := f.Family()
		if fam == 6 && !v6.IsValid() {
			return nil, fmt.Errorf("%w forwardPorts[%d]: hostAddress %s is IPv6, and %s has no IPv6 address (network.enableNat on a host with ipv6.enable)", ErrInvalid, i, f.HostAddress, name)
		}
		if fam != 6 && v4.IsValid() {
			out = append(out, bridges.Forward{Protocol: f.Protocol, HostAddr: host, HostPort: uint16(f.HostPort), To: netip.AddrPortFrom(v4, uint16(f.ContainerPort))})
		}
		if fam != 4 && v6.IsValid() {
			out = append(out, bridges.Forward{Protocol: f.Protocol, HostAddr: host, HostPort: uint16(f.HostPort), To: netip.AddrPortFrom(v6, uint16(f.ContainerPort))})
		}
	}
	return out, nil
}

func prefixAddr(s string) netip.Addr {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Addr{}
	}
	return p.Addr()
}

// forward makes the container's port forwards those its settings s ask
// for, with its current leases; undo puts back what it had. A port
// another container holds, or one the host does not give (hostports), is
// refused, naming it, and nothing changes.
func (nw *network) forward(ctx context.Context, name string, s spec.Settings) (undo func(), err error) {
	undo = func() {}
	if err := nw.checkForwardPorts(name, s.ForwardPorts); err != nil {
		return undo, err
	}
	fs, err := nw.forwardsOf(ctx, name, s)
	if err != nil {
		return undo, err
	}
	all, err := nw.host.Forwards(ctx)
	if err != nil {
		return undo, err
	}
	before := all[name]
	if err := nw.host.SetForwards(ctx, name, fs); err != nil {
		var ce *bridges.ConflictError
		if errors.As(err, &ce) {
			return undo, fmt.Errorf("%w forwardPorts: host port %s is forwarded to container %s already", ErrInvalid, ce.Port, ce.Owner)
		}
		return undo, err
	}
	return func() { nw.host.SetForwards(context.Background(), name, before) }, nil
}

// unforward removes the container's port forwards, recorded or not.
func (nw *network) unforward(name string) error {
	return nw.host.ClearForwards(context.Background(), name)
}

// surveyForwards tells doctor which containers have port forwards
// recorded or in nixlxc's tables, and where a container's differ from
// what its current generation's settings ask.
func (d *doctor) surveyForwards(ctx context.Context, l *diagnose.Listing, unchecked func(string, error)) {
	recorded, err := d.m.net.host.Forwards(ctx)
	if err != nil {
		unchecked("the port forwards", err)
		return
	}
	// Without nixlxc's tables (no setup yet) there is nothing to compare:
	// setup puts the recorded forwards in. Another installation's tables
	// (it holds this network namespace) are none of this one's.
	var kernel map[string]int
	tables := l.Host.Other == "" && len(l.Host.OtherUnmarked) == 0 &&
		slices.Contains(d.m.net.host.Present(), "nftables table inet "+bridges.TableName)
	if tables {
		if kernel, err = d.m.net.host.ForwardRules(); err != nil {
			unchecked("the port forwards in nixlxc's tables", err)
			return
		}
	}
	seen := map[string]bool{}
	for n := range recorded {
		seen[n] = true
	}
	for n := range kernel {
		seen[n] = true
	}
	for n := range seen {
		l.Forwarded = append(l.Forwarded, n)
	}
	sort.Strings(l.Forwarded)
	for i := range l.Containers {
		c := &l.Containers[i]
		if c.Record != diagnose.RecordOK || c.Destroying || c.Busy {
			continue
		}
		rec, err := d.m.recs.load(c.Name)
		if err != nil {
			continue
		}
		want, err := d.m.net.forwardsOf(ctx, c.Name, d.m.recs.currentSettings(rec))
		if err != nil {
			continue // its leases are missing: a repair of their own
		}
		switch {
		case !slices.Equal(want, recorded[c.Name]):
			c.ForwardsWrong = fmt.Sprintf("are not recorded as its settings ask (%d recorded, %d asked)", len(recorded[c.Name]), len(want))
		case tables && kernel[c.Name] != len(want)*bridges.RulesPerForward:
			c.ForwardsWrong = fmt.Sprintf("are %d rule(s) in nixlxc's tables, not %d", kernel[c.Name], len(want)*bridges.RulesPerForward)
		}
	}
}

// currentSettings are the settings of the container's current generation.
func (rs *records) currentSettings(rec *record) spec.Settings {
	if system, err := rs.currentSystem(rec.Name); err == nil {
		return generationSettings(system, rec.Settings)
	}
	return rec.Settings
}

// repairForwards runs doctor's repairs of port forwards.
func (d *doctor) repairForwards(ctx context.Context, f diagnose.Finding) error {
	name := f.Subject
	return d.m.recs.withIdle(name, func() error {
		if f.Repair == diagnose.RemoveForwards {
			if d.m.recs.exists(name) {
				return nil
			}
			return d.m.net.unforward(name)
		}
		rec, err := d.m.recs.usable(name)
		if err != nil {
			return err
		}
		_, err = d.m.net.forward(ctx, name, d.m.recs.currentSettings(rec))
		return err
	})
}

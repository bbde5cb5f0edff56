package container

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/leases"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
)

// The host side of a container's network: the interfaces its leases give
// it, the host's bridges and firewall it needs, its host veths.

// hostRulesGone reports, with one netlink query, that nixlxc's nftables
// tables are missing while the container needs them. A start whose LXC
// config is still right would otherwise not look at the host's network
// (LXC fails only without the bridges) and start the container without
// NAT and isolation: after NixOS reloads its firewall with flushRuleset,
// or anything else flushes the ruleset.
func (nw *network) rulesGone(s spec.Settings) bool {
	if !spec.IsNixlxcBridge(s.Network.Bridge) && !s.Network.EnableNat {
		return false
	}
	c, err := nw.hostConfig()
	if err != nil {
		return true // the slow path reports it
	}
	return !nw.host.RulesPresent(c)
}

// hostonlySubnet is the subnet the container's hostonly address comes from:
// brNC-hostonly's, or the part of the user's bridge network.ip lies in.
func (nw *network) hostonlySubnet(n spec.Network) (leases.Subnet, error) {
	if spec.IsNixlxcBridge(n.Bridge) {
		return leases.Subnet{Key: leases.PoolKey{Bridge: bridges.Hostonly, Prefix: bridges.HostonlySubnet}, Host: bridges.HostonlyHost}, nil
	}
	if n.Bridge == bridges.Internet {
		return leases.Subnet{}, fmt.Errorf("%w network.bridge: %s is nixlxc's NAT bridge; use enableNat = true", ErrInvalid, bridges.Internet)
	}
	static, err := spec.ParseStaticIP(n.IP)
	if err != nil {
		return leases.Subnet{}, err
	}
	addrs, err := nw.host.BridgeIPv4(n.Bridge)
	if errors.Is(err, bridges.ErrNoBridge) {
		return leases.Subnet{}, fmt.Errorf("%w network.bridge: %v (create it on the host first)", ErrInvalid, err)
	}
	if err != nil {
		return leases.Subnet{}, err
	}
	for _, a := range addrs {
		if a.Contains(static.Addr) && (static.Bits == 0 || static.Bits == a.Bits()) {
			return leases.Subnet{Key: leases.PoolKey{Bridge: n.Bridge, Prefix: a.Masked()}, Host: a.Addr()}, nil
		}
	}
	if static.Bits != 0 {
		// The bridge carries no address of that subnet: nixlxc takes the
		// prefix the file gives and reserves nothing for the host.
		p := netip.PrefixFrom(static.Addr, static.Bits).Masked()
		return leases.Subnet{Key: leases.PoolKey{Bridge: n.Bridge, Prefix: p}}, nil
	}
	return leases.Subnet{}, fmt.Errorf("%w network.ip %s is in no subnet of bridge %s (its addresses: %s); give it with a prefix length, like %s/24",
		ErrInvalid, static.Addr, n.Bridge, prefixes(addrs), static.Addr)
}

// addresses turns leases into interfaces.
func (nw *network) addresses(name string, ls []ipam.Lease) Addresses {
	var a Addresses
	host, _ := nw.hostConfig()
	h, i := leases.Interfaces(ls)
	if h != nil {
		a.Hostonly = &Interface{Bridge: h.Bridge, MAC: h.MAC, IPv4: prefixString(h.IPv4), HostVeth: bridges.HostonlyVethPrefix + name}
		if h.Bridge != bridges.Hostonly {
			a.Hostonly.HostVeth = bridges.BridgeVethPrefix + name
		}
	}
	if i != nil {
		a.Internet = &Interface{Bridge: bridges.Internet, MAC: i.MAC, IPv4: prefixString(i.IPv4), IPv6: prefixString(i.IPv6),
			HostVeth: bridges.InternetVethPrefix + name, Gateway4: bridges.InternetHost.String()}
		if i.IPv6.IsValid() && host.IPv6.Enable {
			a.Internet.Gateway6 = host.IPv6.HostAddress().String()
		}
	}
	return a
}

// networksFromLeases is the container's interfaces for its LXC config.
func (nw *network) networks(rec *record, s spec.Settings) ([]lxcconf.Network, error) {
	d, err := nw.db()
	if err != nil {
		return nil, err
	}
	leases, err := d.Leases(context.Background(), rec.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the leases of %s: %w", rec.Name, err)
	}
	a := nw.addresses(rec.Name, leases)
	var nets []lxcconf.Network
	for _, pair := range []struct {
		name  string
		iface *Interface
	}{{"hostonly", a.Hostonly}, {"internet", a.Internet}} {
		i := pair.iface
		if i == nil || i.IPv4 == "" {
			continue
		}
		n := lxcconf.Network{Name: pair.name, Link: i.Bridge, HostVeth: i.HostVeth, HWAddr: i.MAC}
		n.IPv4, _ = netip.ParsePrefix(i.IPv4)
		if i.Gateway4 != "" {
			n.IPv4Gateway, _ = netip.ParseAddr(i.Gateway4)
		}
		if i.IPv6 != "" {
			n.IPv6, _ = netip.ParsePrefix(i.IPv6)
			n.IPv6Gateway, _ = netip.ParseAddr(i.Gateway6)
		}
		nets = append(nets, n)
	}
	return append(nets, nw.macvlanNetworks(rec.Name, s)...), nil
}

// prepareNetwork gets the host ready for the container to start: the
// bridges and rules it needs, its leases (a host whose IPv6 prefix changed
// gives it a new address), no stale host veth with its names.
func (nw *network) prepare(ctx context.Context, rec *record, s spec.Settings) ([]lxcconf.Network, error) {
	if spec.IsNixlxcBridge(s.Network.Bridge) || s.Network.EnableNat {
		if err := nw.ensureHost(ctx); err != nil {
			return nil, err
		}
	}
	if !spec.IsNixlxcBridge(s.Network.Bridge) && !nw.host.IsBridge(s.Network.Bridge) {
		return nil, fmt.Errorf("%w network.bridge: %s: %v (create it on the host first)", ErrInvalid, rec.Name, fmt.Errorf("%w: %s", bridges.ErrNoBridge, s.Network.Bridge))
	}
	// Usually the leases are all there: a read, not a write transaction.
	if ok, err := nw.holds(ctx, rec, s); err != nil {
		return nil, err
	} else if !ok {
		if _, _, err := nw.lease(ctx, rec, s); err != nil {
			return nil, err
		}
	}
	if err := nw.checkMacvlans(s); err != nil {
		return nil, fmt.Errorf("starting %s: %w", rec.Name, err)
	}
	// Leases that changed (the host's IPv6 prefix) move the forwards.
	if _, err := nw.forward(ctx, rec.Name, s); err != nil {
		return nil, err
	}
	if err := nw.refuseVethsInUse(rec.Name); err != nil {
		return nil, err
	}
	if err := nw.removeVeths(rec.Name); err != nil {
		return nil, err
	}
	return nw.networks(rec, s)
}

// refuseOtherInstallation fails when this network namespace's bridges are
// another installation's: one installation per network namespace, so none
// of this one's containers is made or started here (its addresses, MACs,
// id ranges and host veth names would be the other's).
func (nw *network) refuseOtherInstallation() error {
	return nw.host.Foreign()
}

// refuseVethsInUse fails when a running container, which cannot be one of
// this installation's stopped ones, uses the host veth names the container
// needs: another installation in this network namespace.
func (nw *network) refuseVethsInUse(name string) error {
	for _, v := range vethNames(name) {
		inUse, err := nw.host.VethInUse(v)
		if err != nil {
			return err
		}
		if inUse {
			return fmt.Errorf("%w: host interface %s belongs to a running container of another nixlxc installation in this network namespace (keep one installation per network namespace)", ErrExists, v)
		}
	}
	return nil
}

// removeVeths deletes host veths a killed container may have left; a
// running container's (another installation's) are never touched.
func (nw *network) removeVeths(name string) error {
	for _, v := range vethNames(name) {
		if inUse, err := nw.host.VethInUse(v); err != nil || inUse {
			continue
		}
		if err := nw.host.DeleteLink(v); err != nil {
			return err
		}
	}
	return nil
}

// releaseNetwork frees everything the container leased (addresses, MACs,
// its id range) and removes its host veths.
func (nw *network) release(name string) error {
	if err := nw.releaseAll(context.Background(), name); err != nil {
		return err
	}
	return nw.removeVeths(name)
}

// nameservers are the resolvers a NAT container is told about.
func (nw *network) nameservers(s spec.Settings) []string {
	host, err := nw.hostConfig()
	if err != nil || !s.Network.EnableNat || !host.IPv6.Enable {
		return nil
	}
	return host.IPv6.NameServers
}

// loadHostConfig reads host.json once per Manager.
func (nw *network) hostConfig() (bridges.HostConfig, error) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.hostCfg != nil {
		return *nw.hostCfg, nil
	}
	c, err := nw.host.Config()
	if err != nil {
		return c, err
	}
	nw.hostCfg = &c
	return c, nil
}

// ensureHost sets the host's network up unless it already is.
func (nw *network) ensureHost(ctx context.Context) error {
	c, err := nw.hostConfig()
	if err != nil {
		return err
	}
	// A setup puts the recorded forwards back: only those the host gives.
	if err := nw.vetRecordedForwards(ctx); err != nil {
		return err
	}
	return nw.host.Ensure(ctx, c)
}

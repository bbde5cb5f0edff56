package container

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/hostports"
	"github.com/nixlxc/nixlxc/spec"
)

// A port forward is DNAT in the host's own stack: on an address that is
// not the host's, or on a port a host process serves, it would take
// traffic that is not the container's (another container's, the host's
// DNS, its sshd). Package hostports decides; this file gathers what the
// host has and asks it, when forwards are set (create, update, a
// generation switch, a start) and when setup puts recorded ones back.

// hostPorts is what the host has that forwards must leave alone.
func (nw *network) hostPorts() (hostports.Host, error) {
	c, err := nw.hostConfig()
	if err != nil {
		return hostports.Host{}, err
	}
	addrs, err := nw.host.HostAddresses()
	if err != nil {
		return hostports.Host{}, err
	}
	ls, err := nw.host.Listeners()
	if err != nil {
		return hostports.Host{}, fmt.Errorf("the host's listening sockets: %w", err)
	}
	h := hostports.Host{
		Bridges:         []string{bridges.Hostonly, bridges.Internet},
		Own:             []netip.Addr{bridges.HostonlyHost, bridges.InternetHost},
		Subnets:         []netip.Prefix{bridges.HostonlySubnet, bridges.InternetSubnet},
		Listeners:       ls,
		AllowPrivileged: c.AllowPrivilegedForwards,
	}
	if c.IPv6.Enable {
		if p, err := c.IPv6.PrefixValue(); err == nil {
			h.Own = append(h.Own, c.IPv6.HostAddress())
			h.Subnets = append(h.Subnets, p)
		}
	}
	for _, a := range addrs {
		h.Addresses = append(h.Addresses, hostports.LinkAddr{Addr: a.Addr, Link: a.Link})
	}
	return h, nil
}

// checkForwardPorts refuses a forward that would take what is not the
// host's to give, naming it.
func (nw *network) checkForwardPorts(name string, fs []spec.ForwardPort) error {
	if len(fs) == 0 {
		return nil
	}
	h, err := nw.hostPorts()
	if err != nil {
		return err
	}
	for i, f := range fs {
		c := hostports.Claim{Protocol: f.Protocol, Port: uint16(f.HostPort)}
		if f.HostAddress != "" {
			c.Addr = netip.MustParseAddr(f.HostAddress)
		}
		if err := h.Check(c); err != nil {
			return fmt.Errorf("%w forwardPorts[%d] of %s: %v", ErrInvalid, i, name, err)
		}
	}
	return nil
}

// vetRecordedForwards drops, before a setup puts them into the tables,
// the recorded forwards the host no longer gives (a forwards.json an older
// nixlxc wrote, an address the host lost, a port a host service took
// since), with a warning: the container's next start says why it cannot
// have them.
func (nw *network) vetRecordedForwards(ctx context.Context) error {
	all, err := nw.host.Forwards(ctx)
	if err != nil || len(all) == 0 {
		return err
	}
	h, err := nw.hostPorts()
	if err != nil {
		return err
	}
	for _, name := range sortedNames(all) {
		for _, f := range all[name] {
			err := h.Check(hostports.Claim{Protocol: f.Protocol, Addr: f.HostAddr, Port: f.HostPort})
			if err == nil {
				continue
			}
			if err := nw.host.ClearForwards(ctx, name); err != nil {
				return err
			}
			nw.warn(name, "%s: its port forwards are left out: %v", name, err)
			break
		}
	}
	return nil
}

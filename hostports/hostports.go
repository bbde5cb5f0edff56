// Package hostports decides which of the host's ports and addresses a
// container's port forward may take: a forward is DNAT in the host's own
// network stack, so one on another's address or on a port a host process
// serves would take that traffic. It holds the policy (pure) and reads the
// host's listening sockets from /proc/net (the reading process's network
// namespace); the host's addresses come from package bridges.
package hostports

import (
	"fmt"
	"net/netip"
)

// Claim is the host port a forward takes: Addr invalid means every
// address of the host but loopback.
type Claim struct {
	Protocol string // "tcp" or "udp"
	Addr     netip.Addr
	Port     uint16
}

func (c Claim) String() string {
	if c.Addr.IsValid() {
		return c.Protocol + " " + netip.AddrPortFrom(c.Addr, c.Port).String()
	}
	return fmt.Sprintf("%s %d", c.Protocol, c.Port)
}

// LinkAddr is an address assigned to one of the host's links.
type LinkAddr struct {
	Addr netip.Addr
	Link string
}

// Host is what the host has that a forward must not take.
type Host struct {
	// Addresses are the host's own, on its links.
	Addresses []LinkAddr
	// Bridges are nixlxc's bridges, whose addresses other than Own are
	// not the host's to forward (a container's gateway is; anything else
	// put there belongs to the containers' networks).
	Bridges []string
	// Own are the host's addresses on nixlxc's bridges (10.101.0.1,
	// 10.202.0.1, its IPv6 address on brNC-internet).
	Own []netip.Addr
	// Subnets are nixlxc's container networks: an address in them that is
	// not in Own is a container's.
	Subnets []netip.Prefix
	// Listeners are the host's listening TCP and bound UDP sockets.
	Listeners []Listener
	// AllowPrivileged lets forwards take ports below 1024 (host.json's
	// allowPrivilegedForwards).
	AllowPrivileged bool
}

// CheckAddress refuses a hostAddress that is not one of the host's own
// addresses: a container's, one in nixlxc's networks, or one the host
// does not have (8.8.8.8 would take the host's own DNS traffic).
func (h Host) CheckAddress(a netip.Addr) error {
	own := false
	for _, o := range h.Own {
		own = own || o == a
	}
	if !own {
		for _, p := range h.Subnets {
			if p.Contains(a) {
				return fmt.Errorf("hostAddress %s is in nixlxc's container network %s, not the host's (the host's are %s)", a, p.Masked(), joinAddrs(h.Own))
			}
		}
	}
	for _, la := range h.Addresses {
		if la.Addr != a {
			continue
		}
		for _, b := range h.Bridges {
			if la.Link == b && !own {
				return fmt.Errorf("hostAddress %s is on nixlxc's bridge %s but is not the host's own address there", a, b)
			}
		}
		return nil
	}
	return fmt.Errorf("hostAddress %s is not one of the host's addresses", a)
}

// CheckPort refuses a claim on a privileged port (unless allowed) and on a
// port a host process serves on an address the claim covers.
func (h Host) CheckPort(c Claim) error {
	if c.Port < 1024 && !h.AllowPrivileged {
		return fmt.Errorf("host port %s is privileged (below 1024, a system service's): forwarding it takes allowPrivilegedForwards in host.json", c)
	}
	for _, l := range h.Listeners {
		if l.Protocol == c.Protocol && l.Port == c.Port && covers(c, l.Addr) {
			return fmt.Errorf("host port %s is in use by a host process (listening on %s): a forward would take its connections", c, netip.AddrPortFrom(l.Addr, l.Port))
		}
	}
	return nil
}

// Check is CheckAddress and CheckPort.
func (h Host) Check(c Claim) error {
	if c.Addr.IsValid() {
		if err := h.CheckAddress(c.Addr); err != nil {
			return err
		}
	}
	return h.CheckPort(c)
}

// covers reports whether connections a listener on addr gets could match
// the claim. A listener on the unspecified address gets every address of
// its family (an IPv6 one may take IPv4 too: /proc does not say whether
// it is V6ONLY). A forward on every address leaves loopback alone.
func covers(c Claim, addr netip.Addr) bool {
	switch {
	case addr.IsUnspecified():
		return !c.Addr.IsValid() || addr.Is6() || c.Addr.Is4()
	case !c.Addr.IsValid():
		return !addr.Unmap().IsLoopback()
	}
	return addr.Unmap() == c.Addr
}

func joinAddrs(as []netip.Addr) string {
	s := ""
	for i, a := range as {
		if i > 0 {
			s += ", "
		}
		s += a.String()
	}
	return s
}

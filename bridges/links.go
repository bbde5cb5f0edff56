package bridges

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ErrNoBridge is a bridge that does not exist.
var ErrNoBridge = errors.New("no such bridge")

// ensureBridge creates the bridge if needed, marks it as installation's,
// gives it exactly addrs (its global addresses; link-local ones are the
// kernel's) and brings it up. It reports whether it created the bridge.
func ensureBridge(name string, addrs []netip.Prefix, installation string) (created bool, err error) {
	link, err := netlink.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	switch {
	case errors.As(err, &notFound):
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
		if err := netlink.LinkAdd(br); err != nil {
			return false, fmt.Errorf("netlink: creating bridge %s: %w", name, err)
		}
		created = true
		if link, err = netlink.LinkByName(name); err != nil {
			return created, fmt.Errorf("netlink: %s: %w", name, err)
		}
	case err != nil:
		return false, fmt.Errorf("netlink: %s: %w", name, err)
	case link.Type() != "bridge":
		return false, fmt.Errorf("%s exists and is a %s, not a bridge", name, link.Type())
	}
	if err := setMark(link, installation); err != nil {
		return created, err
	}
	if err := setAddresses(link, addrs); err != nil {
		return created, err
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return created, fmt.Errorf("netlink: bringing %s up: %w", name, err)
	}
	return created, nil
}

func setAddresses(link netlink.Link, want []netip.Prefix) error {
	have, err := netlink.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("netlink: addresses of %s: %w", link.Attrs().Name, err)
	}
	wanted := map[netip.Prefix]bool{}
	for _, p := range want {
		wanted[p] = true
	}
	present := map[netip.Prefix]bool{}
	for _, a := range have {
		p, ok := prefixOf(a.IPNet)
		if !ok || p.Addr().IsLinkLocalUnicast() {
			continue
		}
		if wanted[p] {
			present[p] = true
			continue
		}
		a := a
		if err := netlink.AddrDel(link, &a); err != nil {
			return fmt.Errorf("netlink: removing %s from %s: %w", p, link.Attrs().Name, err)
		}
	}
	for _, p := range want {
		if present[p] {
			continue
		}
		a := &netlink.Addr{IPNet: ipNet(p)}
		if p.Addr().Is4() {
			// Spelled out: the kernel would otherwise compute none.
			a.Broadcast = lxcconf.Broadcast(p).AsSlice()
		} else {
			// The host's own address must work at once, not after
			// duplicate address detection.
			a.Flags = unix.IFA_F_NODAD
		}
		if err := netlink.AddrAdd(link, a); err != nil {
			return fmt.Errorf("netlink: adding %s to %s: %w", p, link.Attrs().Name, err)
		}
	}
	return nil
}

// LinkExists reports whether an interface exists.
func LinkExists(name string) bool {
	_, err := netlink.LinkByName(name)
	return err == nil
}

// IsBridge reports whether name is an existing bridge.
func IsBridge(name string) bool {
	l, err := netlink.LinkByName(name)
	return err == nil && l.Type() == "bridge"
}

// DeleteLink removes an interface; one that does not exist is fine.
func DeleteLink(name string) error {
	l, err := netlink.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("netlink: %s: %w", name, err)
	}
	if err := netlink.LinkDel(l); err != nil {
		return fmt.Errorf("netlink: deleting %s: %w", name, err)
	}
	return nil
}

// StaleVeths returns the veths named with one of prefixes whose peer is in
// this network namespace too: a container's veth has its peer inside the
// container, and goes away with it, so a veth whose peer never left the
// host belongs to no container (a start that was killed half-way). A veth
// of a running container, whoever started it, is never one of them.
// VethInUse reports whether name is a veth whose peer is in another
// network namespace: a running container's interface.
func VethInUse(name string) (bool, error) {
	l, err := netlink.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("netlink: %s: %w", name, err)
	}
	return l.Type() == "veth" && l.Attrs().NetNsID >= 0, nil
}

// PortsInUse lists the ports of nixlxc's bridges that are running
// containers' veths (their peer in another network namespace).
func PortsInUse() ([]string, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("netlink: listing links: %w", err)
	}
	masters := map[int]bool{}
	for _, l := range links {
		if n := l.Attrs().Name; n == Hostonly || n == Internet {
			masters[l.Attrs().Index] = true
		}
	}
	var out []string
	for _, l := range links {
		a := l.Attrs()
		if l.Type() == "veth" && a.NetNsID >= 0 && masters[a.MasterIndex] {
			out = append(out, a.Name)
		}
	}
	return out, nil
}

func StaleVeths(prefixes ...string) ([]string, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("netlink: listing links: %w", err)
	}
	var out []string
	for _, l := range links {
		a := l.Attrs()
		if l.Type() != "veth" || a.NetNsID >= 0 {
			continue
		}
		for _, p := range prefixes {
			if len(a.Name) > len(p) && a.Name[:len(p)] == p {
				out = append(out, a.Name)
				break
			}
		}
	}
	return out, nil
}

// BridgeIPv4 returns the IPv4 addresses (with their prefixes) of a bridge the
// user manages, to find the subnet a static address belongs to.
func BridgeIPv4(name string) ([]netip.Prefix, error) {
	l, err := netlink.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoBridge, name)
	}
	if err != nil {
		return nil, fmt.Errorf("netlink: %s: %w", name, err)
	}
	if l.Type() != "bridge" {
		return nil, fmt.Errorf("%w: %s is a %s, not a bridge", ErrNoBridge, name, l.Type())
	}
	addrs, err := netlink.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("netlink: addresses of %s: %w", name, err)
	}
	var out []netip.Prefix
	for _, a := range addrs {
		if p, ok := prefixOf(a.IPNet); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// DefaultRouteInterface is the interface of the default IPv4 route, if any.
func DefaultRouteInterface() string {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return ""
	}
	for _, r := range routes {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() && isZeroMask(r.Dst.Mask) {
			if l, err := netlink.LinkByIndex(r.LinkIndex); err == nil {
				return l.Attrs().Name
			}
		}
	}
	return ""
}

func isZeroMask(m net.IPMask) bool {
	ones, _ := m.Size()
	return ones == 0
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones), true
}

func ipNet(p netip.Prefix) *net.IPNet {
	bits := p.Addr().BitLen()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}
}

package bridges

import (
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// LinkAddress is an address assigned to one of the host's links.
type LinkAddress struct {
	Addr netip.Addr
	Link string
}

// HostAddresses lists every address of every link of the host (of this
// network namespace), with the link's name: what a port forward's
// hostAddress must be one of. It only reads.
func HostAddresses() ([]LinkAddress, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("netlink: links: %w", err)
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("netlink: addresses: %w", err)
	}
	var out []LinkAddress
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		out = append(out, LinkAddress{Addr: ip.Unmap(), Link: names[a.LinkIndex]})
	}
	return out, nil
}

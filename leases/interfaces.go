package leases

import (
	"net/netip"

	"github.com/nixlxc/nixlxc/ipam"
)

// Interface is one of a container's interfaces, as its leases make it.
type Interface struct {
	Bridge string
	MAC    string
	IPv4   netip.Prefix // with the subnet's length
	IPv6   netip.Prefix
}

// Interfaces are the hostonly and internet interfaces the leases give
// (nil where there is none).
func Interfaces(leases []ipam.Lease) (hostonly, internet *Interface) {
	for _, l := range leases {
		var iface **Interface
		switch Purpose(l.Purpose) {
		case HostonlyV4, HostonlyMAC:
			iface = &hostonly
		case InternetV4, InternetV6, InternetMAC:
			iface = &internet
		default:
			continue
		}
		if *iface == nil {
			*iface = &Interface{}
		}
		i := *iface
		key, isAddr := ParsePoolKey(l.Pool)
		switch Purpose(l.Purpose) {
		case HostonlyMAC, InternetMAC:
			i.MAC = ipam.MAC(l.Num)
		case HostonlyV4, InternetV4:
			if isAddr {
				i.IPv4 = netip.PrefixFrom(Subnet{Key: key}.Addr(l.Num), key.Prefix.Bits())
				i.Bridge = key.Bridge
			}
		case InternetV6:
			if isAddr {
				i.IPv6 = netip.PrefixFrom(Subnet{Key: key}.Addr(l.Num), key.Prefix.Bits())
			}
		}
	}
	return hostonly, internet
}

// Addresses are a container's hostonly IPv4 and internet IPv6 addresses.
type Addresses struct {
	IPv4, IPv6 netip.Addr
}

// ByContainer maps every container in leases to its addresses, for list.
func ByContainer(leases []ipam.Lease) map[string]Addresses {
	out := map[string]Addresses{}
	for _, l := range leases {
		key, ok := ParsePoolKey(l.Pool)
		if !ok {
			continue
		}
		a := out[l.Container]
		switch Purpose(l.Purpose) {
		case HostonlyV4:
			a.IPv4 = Subnet{Key: key}.Addr(l.Num)
		case InternetV6:
			a.IPv6 = Subnet{Key: key}.Addr(l.Num)
		default:
			continue
		}
		out[l.Container] = a
	}
	return out
}

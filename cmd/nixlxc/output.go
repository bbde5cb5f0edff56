package main

import (
	"net/netip"

	"github.com/nixlxc/nixlxc/container"
)

// nixlxc's JSON (and YAML) vocabulary, one for every command that prints a
// container's addresses (list, show-ip, and info):
//
//   - An interface is named as inside the container: hostonly, internet.
//   - An address field (ipv4, ipv6, nat, gateway4, gateway6) holds a plain
//     address, 10.101.0.2, never a prefix; where the subnet matters, its
//     length is beside it (ipv4PrefixLength, as NixOS's prefixLength).
//   - ipv4 alone is the hostonly IPv4 (what show-ip prints), nat the
//     internet interface's IPv4, ipv6 its IPv6 (what show-ip -6 prints).
//   - A field that does not apply is left out, never "" or null.
//
// The README lists the fields.

// interfaceJSON is one of a container's interfaces.
type interfaceJSON struct {
	Bridge           string `json:"bridge"`
	HostVeth         string `json:"hostVeth"`
	MAC              string `json:"mac"`
	IPv4             string `json:"ipv4,omitempty"`
	IPv4PrefixLength int    `json:"ipv4PrefixLength,omitempty"`
	Gateway4         string `json:"gateway4,omitempty"`
	IPv6             string `json:"ipv6,omitempty"`
	IPv6PrefixLength int    `json:"ipv6PrefixLength,omitempty"`
	Gateway6         string `json:"gateway6,omitempty"`
}

// interfacesJSON are a container's interfaces: show-ip --json prints this.
type interfacesJSON struct {
	Hostonly *interfaceJSON `json:"hostonly,omitempty"`
	Internet *interfaceJSON `json:"internet,omitempty"`
}

// autostartJSON is the container's autostart setting.
type autostartJSON struct {
	Enable bool `json:"enable"`
	Order  int  `json:"order,omitempty"`
	Delay  int  `json:"delay,omitempty"`
}

// containerJSON is one container: list prints an array of them.
type containerJSON struct {
	Name       string         `json:"name"`
	State      string         `json:"state"`
	IPv4       string         `json:"ipv4,omitempty"`
	NAT        string         `json:"nat,omitempty"`
	IPv6       string         `json:"ipv6,omitempty"`
	Generation int            `json:"generation"`
	Autostart  autostartJSON  `json:"autostart"`
	System     string         `json:"system,omitempty"`
	IDMapBase  uint32         `json:"idmapBase"`
	Destroying bool           `json:"destroying,omitempty"`
	Interfaces interfacesJSON `json:"interfaces"`
}

func interfacesOf(a container.Addresses) interfacesJSON {
	return interfacesJSON{Hostonly: interfaceOf(a.Hostonly), Internet: interfaceOf(a.Internet)}
}

func interfaceOf(i *container.Interface) *interfaceJSON {
	if i == nil {
		return nil
	}
	out := &interfaceJSON{Bridge: i.Bridge, HostVeth: i.HostVeth, MAC: i.MAC, Gateway4: i.Gateway4, Gateway6: i.Gateway6}
	out.IPv4, out.IPv4PrefixLength = splitPrefix(i.IPv4)
	out.IPv6, out.IPv6PrefixLength = splitPrefix(i.IPv6)
	return out
}

// splitPrefix takes "10.101.0.2/16" apart; a plain address has no length.
func splitPrefix(s string) (string, int) {
	if s == "" {
		return "", 0
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Addr().String(), p.Bits()
	}
	return s, 0
}

func containerOf(i container.Info) containerJSON {
	c := containerJSON{
		Name:       i.Name,
		State:      i.State,
		Generation: i.Generation,
		Autostart:  autostartJSON{Enable: i.Autostart.Enable, Order: i.Autostart.Order, Delay: i.Autostart.Delay},
		System:     i.System,
		IDMapBase:  i.IDMapBase,
		Destroying: i.Destroying,
		Interfaces: interfacesOf(i.Interfaces),
	}
	if h := c.Interfaces.Hostonly; h != nil {
		c.IPv4 = h.IPv4
	}
	if n := c.Interfaces.Internet; n != nil {
		c.NAT, c.IPv6 = n.IPv4, n.IPv6
	}
	return c
}

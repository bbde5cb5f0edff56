package leases

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/lxcconf"
)

// Used is one of a container's interfaces as its rendered LXC config
// names it: the numbers the container really uses.
type Used struct {
	Name   string // hostonly, internet
	IPv4   netip.Prefix
	IPv6   netip.Prefix
	HWAddr string
}

// UsedInConfig reads the interfaces of an LXC config's items
// (lxc.net.N.name, .ipv4.address, .ipv6.address, .hwaddr).
func UsedInConfig(items []lxcconf.Item) []Used {
	nets := map[string]*Used{}
	var order []string
	for _, it := range items {
		rest, ok := strings.CutPrefix(it.Key, "lxc.net.")
		if !ok {
			continue
		}
		n, key, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		u := nets[n]
		if u == nil {
			u = &Used{}
			nets[n] = u
			order = append(order, n)
		}
		// An IPv4 address is written with its broadcast after it.
		first, _, _ := strings.Cut(strings.TrimSpace(it.Value), " ")
		switch key {
		case "name":
			u.Name = it.Value
		case "hwaddr":
			u.HWAddr = it.Value
		case "ipv4.address":
			u.IPv4, _ = netip.ParsePrefix(first)
		case "ipv6.address":
			u.IPv6, _ = netip.ParsePrefix(first)
		}
	}
	sort.Strings(order)
	out := make([]Used, 0, len(order))
	for _, n := range order {
		out = append(out, *nets[n])
	}
	return out
}

// Restore takes back, for the purposes the container holds no lease for,
// the numbers its config uses (after a lost database), in the subnets w
// names; an address outside them is left for Take to choose anew. A
// number another container holds is an error naming it.
func Restore(tx *ipam.Tx, w Want, used []Used) error {
	take := func(pool ipam.Pool, num int64, purpose Purpose, static bool) error {
		if _, ok, err := tx.Lease(w.Container, string(purpose)); err != nil || ok {
			return err
		}
		// Taken back as Take gave it: a dynamic lease stays the
		// container's at its next Take, a static one is network.ip's.
		give := tx.Restore
		if static {
			give = tx.Reserve
		}
		if err := give(pool, num, w.Container, string(purpose)); err != nil {
			return fmt.Errorf("%s %d of %s: %w", purpose, num, pool.Name, err)
		}
		return nil
	}
	address := func(sub *Subnet, p netip.Prefix, purpose Purpose, static bool) error {
		if sub == nil || !p.IsValid() {
			return nil
		}
		num, err := sub.ipam().Num(p.Addr())
		if err != nil {
			return nil // not in the subnet the settings call for now
		}
		return take(sub.ipam().Pool(), num, purpose, static)
	}
	for _, u := range used {
		var addrPurpose, v6Purpose, macPurpose Purpose
		var v4, v6 *Subnet
		static := false
		switch u.Name {
		case "hostonly":
			addrPurpose, macPurpose, v4 = HostonlyV4, HostonlyMAC, &w.Hostonly
			static = w.Static.IsValid()
		case "internet":
			addrPurpose, v6Purpose, macPurpose, v4, v6 = InternetV4, InternetV6, InternetMAC, w.Internet, w.IPv6
		default:
			continue
		}
		if err := address(v4, u.IPv4, addrPurpose, static); err != nil {
			return err
		}
		if err := address(v6, u.IPv6, v6Purpose, false); err != nil {
			return err
		}
		if num, ok := ipam.MACNum(u.HWAddr); ok && (v4 != nil) {
			if err := take(ipam.MACPool, num, macPurpose, false); err != nil {
				return err
			}
		}
	}
	return nil
}

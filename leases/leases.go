// Package leases plans the numbers a container holds on the host: the
// addresses, MAC addresses and id range its settings call for, against what
// the lease database holds. Every plan runs inside one IPAM transaction, so
// it is taken whole or not at all.
//
// It knows nothing of netlink, LXC or the container's files: the caller
// says which subnet each interface is on, and hands over the networks a
// rendered LXC config names when leases are to be taken back from it.
package leases

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/spec"
)

// Purpose is what one of a container's numbers is for.
type Purpose string

const (
	HostonlyV4  Purpose = "hostonly/4"
	HostonlyMAC Purpose = "hostonly/mac"
	InternetV4  Purpose = "internet/4"
	InternetV6  Purpose = "internet/6"
	InternetMAC Purpose = "internet/mac"
	IDMap       Purpose = "idmap"
)

// Base are the purposes every container holds.
var Base = []Purpose{HostonlyV4, HostonlyMAC, IDMap}

// PoolKey names an address pool: one subnet of one bridge.
type PoolKey struct {
	Bridge string
	Prefix netip.Prefix
}

// String is the pool's name in the database.
func (k PoolKey) String() string { return k.Bridge + "|" + k.Prefix.Masked().String() }

// ParsePoolKey reads a pool name String wrote; other pools (MACs, ids) are
// not address pools.
func ParsePoolKey(name string) (PoolKey, bool) {
	b, s, found := strings.Cut(name, "|")
	if !found {
		return PoolKey{}, false
	}
	p, err := netip.ParsePrefix(s)
	return PoolKey{Bridge: b, Prefix: p.Masked()}, err == nil
}

// Subnet is an address pool and the host's own address in it (reserved).
type Subnet struct {
	Key  PoolKey
	Host netip.Addr
}

func (s Subnet) ipam() ipam.Subnet {
	return ipam.Subnet{Name: s.Key.String(), Prefix: s.Key.Prefix.Masked(), Host: s.Host}
}

// Addr is pool number num's address.
func (s Subnet) Addr(num int64) netip.Addr { return s.ipam().Addr(num) }

// Want is what a container's settings call for.
type Want struct {
	Container string
	Hostonly  Subnet
	// Static is network.ip, or the zero Addr: the lowest free address.
	Static netip.Addr
	// UserBridge: the hostonly interface is on a bridge the user manages,
	// which may carry several subnets; a static address is one
	// container's whichever subnet it came with.
	UserBridge bool
	// Internet is brNC-internet's subnet for a NAT container, else nil;
	// IPv6 the host's routed prefix when it has one (NAT containers only).
	Internet *Subnet
	IPv6     *Subnet
}

// Take gives the container what w calls for and frees what it no longer
// needs, returning its hostonly address. A static address held by another
// container is an error naming the holder.
func Take(tx *ipam.Tx, w Want) (netip.Addr, error) {
	ip, err := takeHostonly(tx, w)
	if err != nil {
		return ip, err
	}
	if _, err := tx.Allocate(ipam.MACPool, w.Container, string(HostonlyMAC)); err != nil {
		return ip, err
	}
	if w.Internet == nil {
		for _, p := range []Purpose{InternetV4, InternetV6, InternetMAC} {
			if err := tx.ReleasePurpose(w.Container, string(p)); err != nil {
				return ip, err
			}
		}
		return ip, nil
	}
	if _, err := tx.Allocate(w.Internet.ipam().Pool(), w.Container, string(InternetV4)); err != nil {
		return ip, fmt.Errorf("leasing an address on %s: %w", w.Internet.Key.Prefix, err)
	}
	if _, err := tx.Allocate(ipam.MACPool, w.Container, string(InternetMAC)); err != nil {
		return ip, err
	}
	if w.IPv6 == nil {
		return ip, tx.ReleasePurpose(w.Container, string(InternetV6))
	}
	if _, err := tx.Allocate(w.IPv6.ipam().Pool(), w.Container, string(InternetV6)); err != nil {
		return ip, fmt.Errorf("leasing an address in %s: %w", w.IPv6.Key.Prefix, err)
	}
	return ip, nil
}

func takeHostonly(tx *ipam.Tx, w Want) (netip.Addr, error) {
	sub := w.Hostonly.ipam()
	if !w.Static.IsValid() {
		n, err := tx.Allocate(sub.Pool(), w.Container, string(HostonlyV4))
		if err != nil {
			return netip.Addr{}, fmt.Errorf("leasing an address on %s: %w", sub.Prefix, err)
		}
		return sub.Addr(n), nil
	}
	num, err := sub.Num(w.Static)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w network.ip %s: %s", spec.ErrInvalid, w.Static, outOfRange(err))
	}
	if w.UserBridge {
		others, err := tx.LeasesInPools(w.Hostonly.Key.Bridge + "|")
		if err != nil {
			return netip.Addr{}, err
		}
		for _, l := range others {
			k, ok := ParsePoolKey(l.Pool)
			if ok && l.Container != w.Container && l.Container != ipam.HostHolder &&
				(Subnet{Key: k}).Addr(l.Num) == w.Static {
				return netip.Addr{}, fmt.Errorf("%w network.ip %s: already used by container %s", spec.ErrInvalid, w.Static, l.Container)
			}
		}
	}
	if err := tx.Reserve(sub.Pool(), num, w.Container, string(HostonlyV4)); err != nil {
		var taken *ipam.TakenError
		if errors.As(err, &taken) {
			return netip.Addr{}, fmt.Errorf("%w network.ip %s: already used by container %s", spec.ErrInvalid, w.Static, taken.Holder)
		}
		return netip.Addr{}, err
	}
	return w.Static, nil
}

// outOfRange is why an address is not in a pool, without the sentinel's
// own words.
func outOfRange(err error) string {
	var r *ipam.RangeError
	if errors.As(err, &r) {
		return r.Reason
	}
	return err.Error()
}

// Holds reports whether leases (the container's) are exactly what w calls
// for: then a start needs no write transaction.
func Holds(leases []ipam.Lease, w Want) bool {
	have := map[Purpose]ipam.Lease{}
	for _, l := range leases {
		have[Purpose(l.Purpose)] = l
	}
	l, ok := have[HostonlyV4]
	if !ok || l.Pool != w.Hostonly.Key.String() {
		return false
	}
	if w.Static.IsValid() && w.Hostonly.Addr(l.Num) != w.Static {
		return false
	}
	if _, ok := have[HostonlyMAC]; !ok {
		return false
	}
	_, inet := have[InternetV4]
	_, inetMAC := have[InternetMAC]
	v6, hasV6 := have[InternetV6]
	switch {
	case w.Internet == nil:
		return !inet && !inetMAC && !hasV6
	case !inet || !inetMAC:
		return false
	case w.IPv6 == nil:
		return !hasV6
	}
	return hasV6 && v6.Pool == w.IPv6.Key.String()
}

package ipam

import (
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"net/netip"
)

// Subnet maps a subnet's addresses to pool numbers: an address is its offset
// from the network address. The host's own address is reserved.
type Subnet struct {
	Name   string
	Prefix netip.Prefix
	Host   netip.Addr
}

// maxV6Offset keeps IPv6 offsets within SQLite's integers with room to spare;
// no host runs 2^62 containers.
const maxV6Offset = 1 << 62

// Pool is the subnet as a pool: IPv4 without its network and broadcast
// addresses, IPv6 without the subnet-router anycast address.
func (s Subnet) Pool() Pool {
	p := Pool{Name: s.Name, First: 1}
	hostBits := s.Prefix.Addr().BitLen() - s.Prefix.Bits()
	if s.Prefix.Addr().Is4() {
		p.Last = int64(1)<<hostBits - 2
	} else if hostBits >= 62 {
		p.Last = maxV6Offset
	} else {
		p.Last = int64(1)<<hostBits - 1
	}
	if s.Host.IsValid() {
		if n, err := s.offset(s.Host); err == nil {
			p.Reserved = []int64{n}
		}
	}
	return p
}

// Addr is the address of pool number num.
func (s Subnet) Addr(num int64) netip.Addr {
	base := s.Prefix.Masked().Addr()
	if base.Is4() {
		b := base.As4()
		v := binary.BigEndian.Uint32(b[:]) + uint32(num)
		binary.BigEndian.PutUint32(b[:], v)
		return netip.AddrFrom4(b)
	}
	b := base.As16()
	lo := binary.BigEndian.Uint64(b[8:])
	hi := binary.BigEndian.Uint64(b[:8])
	sum := lo + uint64(num)
	if sum < lo {
		hi++
	}
	binary.BigEndian.PutUint64(b[8:], sum)
	binary.BigEndian.PutUint64(b[:8], hi)
	return netip.AddrFrom16(b)
}

// Num is the pool number of addr, which must be a usable address of the
// subnet: not its network, broadcast or host address.
func (s Subnet) Num(addr netip.Addr) (int64, error) {
	n, err := s.offset(addr)
	if err != nil {
		return 0, err
	}
	p := s.Pool()
	why := func(format string) error {
		return &RangeError{Reason: fmt.Sprintf(format, addr, s.Prefix.Masked())}
	}
	switch {
	case n == 0:
		return 0, why("%s is the network address of %s")
	case addr.Is4() && n == p.Last+1:
		return 0, why("%s is the broadcast address of %s")
	case n > p.Last:
		return 0, why("%s is beyond the usable part of %s")
	case s.Host.IsValid() && addr == s.Host:
		return 0, why("%s is the host's own address on %s")
	}
	return n, nil
}

// RangeError is an address a subnet cannot give out, and why. It is an
// ErrOutOfRange.
type RangeError struct {
	Reason string
}

func (e *RangeError) Error() string        { return ErrOutOfRange.Error() + ": " + e.Reason }
func (e *RangeError) Is(target error) bool { return target == ErrOutOfRange }

func (s Subnet) offset(addr netip.Addr) (int64, error) {
	if !s.Prefix.Contains(addr) {
		return 0, &RangeError{Reason: fmt.Sprintf("%s is not in %s", addr, s.Prefix.Masked())}
	}
	base := s.Prefix.Masked().Addr()
	if addr.Is4() {
		a, b := addr.As4(), base.As4()
		return int64(binary.BigEndian.Uint32(a[:]) - binary.BigEndian.Uint32(b[:])), nil
	}
	a, b := addr.As16(), base.As16()
	if binary.BigEndian.Uint64(a[:8]) != binary.BigEndian.Uint64(b[:8]) && s.Prefix.Bits() < 64 {
		return math.MaxInt64, nil // farther than any offset nixlxc hands out
	}
	d := binary.BigEndian.Uint64(a[8:]) - binary.BigEndian.Uint64(b[8:])
	if d > maxV6Offset {
		return math.MaxInt64, nil
	}
	return int64(d), nil
}

// MACPool numbers the MAC addresses nixlxc gives interfaces: locally
// administered, unicast, under the prefix 02:6e:6c ("nl").
var MACPool = Pool{Name: "mac", First: 1, Last: 1<<24 - 1}

// MAC is the address of MAC pool number num.
func MAC(num int64) string {
	return fmt.Sprintf("02:6e:6c:%02x:%02x:%02x", byte(num>>16), byte(num>>8), byte(num))
}

// MACNum is the pool number of a MAC address nixlxc gave out.
func MACNum(mac string) (int64, bool) {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 || hw[0] != 0x02 || hw[1] != 0x6e || hw[2] != 0x6c {
		return 0, false
	}
	n := int64(hw[3])<<16 | int64(hw[4])<<8 | int64(hw[5])
	return n, n >= MACPool.First
}

// IDRangeSize is how many uids (and gids) a container maps.
const IDRangeSize = 65536

// IDPool numbers the 65536-id ranges inside root's subordinate ids.
func IDPool(start, count int64) Pool {
	return Pool{Name: fmt.Sprintf("idmap:%d", start), First: 0, Last: count/IDRangeSize - 1}
}

// IDBase is the first host id of range num of a pool starting at start.
func IDBase(start, num int64) int64 { return start + num*IDRangeSize }

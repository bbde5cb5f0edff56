package hostports

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Listener is a socket of the host that takes connections (TCP, LISTEN)
// or datagrams from anyone (UDP, bound and not connected).
type Listener struct {
	Protocol string
	Addr     netip.Addr
	Port     uint16
}

// tcpListen is the kernel's TCP_LISTEN state in /proc/net/tcp.
const tcpListen = 0x0A

// ParseProcNet reads /proc/net/tcp, tcp6, udp or udp6 (protocol "tcp" or
// "udp"): the header line, then one socket a line,
// "sl local_address rem_address st ...", addresses as hex words in the
// kernel's byte order (little-endian here) and the port as big hex.
func ParseProcNet(protocol string, data []byte) ([]Listener, error) {
	var out []Listener
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 0; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if n == 0 || len(fields) == 0 {
			continue // the header
		}
		if len(fields) < 4 {
			return nil, fmt.Errorf("line %d: %d fields", n+1, len(fields))
		}
		local, err := parseAddrPort(fields[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: local address: %v", n+1, err)
		}
		remote, err := parseAddrPort(fields[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: remote address: %v", n+1, err)
		}
		st, err := strconv.ParseUint(fields[3], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("line %d: state %q", n+1, fields[3])
		}
		switch protocol {
		case "tcp":
			if st != tcpListen {
				continue
			}
		case "udp":
			// A connected socket (a client's) gets only its peer's
			// datagrams: it serves nobody.
			if remote.Port() != 0 {
				continue
			}
		default:
			return nil, fmt.Errorf("protocol %q", protocol)
		}
		out = append(out, Listener{Protocol: protocol, Addr: local.Addr(), Port: local.Port()})
	}
	return out, sc.Err()
}

// parseAddrPort reads "0100007F:0016" or a 32-digit IPv6 address and its
// port. The address is 32-bit words as the kernel holds them, printed in
// host byte order: little-endian on every machine nixlxc runs on.
func parseAddrPort(s string) (netip.AddrPort, error) {
	a, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("%q has no port", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q", p)
	}
	raw, err := hex.DecodeString(a)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("address %q", a)
	}
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.LittleEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// ReadListeners lists the listening sockets of the calling process's
// network namespace (the host's, for nixlxc). A missing IPv6 file is a
// kernel without IPv6.
func ReadListeners() ([]Listener, error) {
	var out []Listener
	for _, f := range []struct{ file, protocol string }{
		{"tcp", "tcp"}, {"tcp6", "tcp"}, {"udp", "udp"}, {"udp6", "udp"},
	} {
		path := "/proc/self/net/" + f.file
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ls, err := ParseProcNet(f.protocol, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, ls...)
	}
	return out, nil
}

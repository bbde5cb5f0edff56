package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
)

// ForwardPort is one of nixos-container's forwardPorts: traffic to the
// host's hostPort (on hostAddress only, when given) goes to the
// container's containerPort.
type ForwardPort struct {
	Protocol      string `json:"protocol"` // "tcp" or "udp"
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	// HostAddress limits the forward to one of the host's addresses, IPv4
	// or IPv6 ("": every address of the host, both families).
	HostAddress string `json:"hostAddress,omitempty"`
}

// Family is 4 or 6 for a forward on one address, 0 for both families.
func (f ForwardPort) Family() int {
	a, err := netip.ParseAddr(f.HostAddress)
	switch {
	case err != nil:
		return 0
	case a.Is4():
		return 4
	}
	return 6
}

// Overlaps reports whether two forwards claim the same host port: the same
// protocol and port on a common address.
func (f ForwardPort) Overlaps(g ForwardPort) bool {
	if f.Protocol != g.Protocol || f.HostPort != g.HostPort {
		return false
	}
	return f.HostAddress == "" || g.HostAddress == "" || f.HostAddress == g.HostAddress
}

// String names the forward as a user wrote it: "tcp 8080 -> 80",
// "udp [2001:db8::1]:53 -> 53".
func (f ForwardPort) String() string {
	host := fmt.Sprint(f.HostPort)
	if f.HostAddress != "" {
		host = netip.AddrPortFrom(netip.MustParseAddr(f.HostAddress), uint16(f.HostPort)).String()
	}
	return fmt.Sprintf("%s %s -> %d", f.Protocol, host, f.ContainerPort)
}

// parseForwardPorts reads `forwardPorts = [ { protocol = "tcp"; hostPort =
// 8080; containerPort = 80; hostAddress = "203.0.113.5"; } ];` as
// nixos-container does: protocol defaults to tcp, containerPort to hostPort.
func parseForwardPorts(raw json.RawMessage) ([]ForwardPort, error) {
	if !isSet(raw) {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%w forwardPorts: must be a list of { protocol; hostPort; containerPort; }", ErrInvalid)
	}
	var out []ForwardPort
	for i, v := range list {
		var set struct {
			Protocol      *string         `json:"protocol"`
			HostPort      json.RawMessage `json:"hostPort"`
			ContainerPort json.RawMessage `json:"containerPort"`
			HostAddress   *string         `json:"hostAddress"`
		}
		err := strictUnmarshal(v, &set)
		if err == nil {
			err = exactNames(v, "protocol", "hostPort", "containerPort", "hostAddress")
		}
		if err != nil {
			return nil, fmt.Errorf("%w forwardPorts[%d]: %v (expected { protocol = \"tcp\"; hostPort = 8080; containerPort = 80; })", ErrInvalid, i, err)
		}
		f := ForwardPort{Protocol: "tcp"}
		if set.Protocol != nil {
			f.Protocol = *set.Protocol
		}
		if f.HostPort, err = port(set.HostPort, "hostPort", true); err != nil {
			return nil, fmt.Errorf("%w forwardPorts[%d]: %v", ErrInvalid, i, err)
		}
		if f.ContainerPort, err = port(set.ContainerPort, "containerPort", false); err != nil {
			return nil, fmt.Errorf("%w forwardPorts[%d]: %v", ErrInvalid, i, err)
		}
		if f.ContainerPort == 0 {
			f.ContainerPort = f.HostPort
		}
		if set.HostAddress != nil {
			f.HostAddress = *set.HostAddress
		}
		out = append(out, f)
	}
	return out, checkForwardPorts(out)
}

// port reads a port number; a missing or null optional one is 0.
func port(raw json.RawMessage, what string, required bool) (int, error) {
	if !isSet(raw) {
		if required {
			return 0, fmt.Errorf("%s is required", what)
		}
		return 0, nil
	}
	var n float64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("%s must be a number", what)
	}
	if n < 1 || n > 65535 || n != math.Trunc(n) {
		return 0, fmt.Errorf("%s %g is not a port (1 to 65535)", what, n)
	}
	return int(n), nil
}

// checkForwardPorts checks forwards already typed: a recorded generation's
// too, which a module could have written.
func checkForwardPorts(fs []ForwardPort) error {
	for i, f := range fs {
		if f.Protocol != "tcp" && f.Protocol != "udp" {
			return fmt.Errorf("%w forwardPorts[%d]: protocol \"%s\" is neither \"tcp\" nor \"udp\"", ErrInvalid, i, printable(f.Protocol))
		}
		if f.HostPort < 1 || f.HostPort > 65535 || f.ContainerPort < 1 || f.ContainerPort > 65535 {
			return fmt.Errorf("%w forwardPorts[%d]: ports must be between 1 and 65535", ErrInvalid, i)
		}
		if f.HostAddress != "" {
			a, err := netip.ParseAddr(f.HostAddress)
			if err != nil || a.Zone() != "" || a.Is4In6() || a.String() != f.HostAddress {
				return fmt.Errorf("%w forwardPorts[%d]: hostAddress \"%s\" is not an IP address (written as 203.0.113.5 or 2001:db8::5)", ErrInvalid, i, printable(f.HostAddress))
			}
			if !a.IsGlobalUnicast() {
				return fmt.Errorf("%w forwardPorts[%d]: hostAddress %s: forwards take unicast addresses of the host's (not loopback, link-local or multicast ones)", ErrInvalid, i, a)
			}
		}
		for j := range fs[:i] {
			if fs[j].Overlaps(f) {
				return fmt.Errorf("%w forwardPorts: host port %s %d is forwarded twice", ErrInvalid, f.Protocol, f.HostPort)
			}
		}
	}
	return nil
}

// exactNames refuses attribute names that differ from the known ones only
// in case: encoding/json matches names regardless of case; Nix does not.
func exactNames(raw json.RawMessage, known ...string) error {
	var names map[string]json.RawMessage
	if err := json.Unmarshal(raw, &names); err != nil {
		return err
	}
	for n := range names {
		ok := false
		for _, k := range known {
			ok = ok || n == k
		}
		if !ok {
			return fmt.Errorf("unknown attribute %q", n)
		}
	}
	return nil
}

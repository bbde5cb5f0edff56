package bridges

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
)

// Forward is a host port forwarded to a container's address: DNAT in
// nixlxc's inet table, for traffic from outside (prerouting) and from the
// host itself (output).
type Forward struct {
	Protocol string `json:"protocol"` // "tcp" or "udp"
	// HostAddr is the host address it listens on; invalid: every local
	// address of the host (of To's family).
	HostAddr netip.Addr     `json:"hostAddr"`
	HostPort uint16         `json:"hostPort"`
	To       netip.AddrPort `json:"to"`
}

// Family is the forward's IP family: 4 or 6.
func (f Forward) Family() int {
	if f.To.Addr().Is4() {
		return 4
	}
	return 6
}

// overlaps reports whether two forwards claim the same port of the host.
func (f Forward) overlaps(g Forward) bool {
	if f.Protocol != g.Protocol || f.HostPort != g.HostPort || f.Family() != g.Family() {
		return false
	}
	return !f.HostAddr.IsValid() || !g.HostAddr.IsValid() || f.HostAddr == g.HostAddr
}

// Port names the host port a user would recognise: "tcp 8080" or
// "tcp 203.0.113.5:8080".
func (f Forward) Port() string {
	if f.HostAddr.IsValid() {
		return f.Protocol + " " + netip.AddrPortFrom(f.HostAddr, f.HostPort).String()
	}
	return f.Protocol + " " + strconv.Itoa(int(f.HostPort))
}

// check refuses what the kernel must never get.
func (f Forward) check() error {
	if f.Protocol != "tcp" && f.Protocol != "udp" {
		return fmt.Errorf("%w: forward protocol %q", ErrInvalid, f.Protocol)
	}
	if f.HostPort == 0 || f.To.Port() == 0 || !f.To.Addr().IsValid() || f.To.Addr().Is4In6() {
		return fmt.Errorf("%w: forward %s to %s", ErrInvalid, f.Port(), f.To)
	}
	if f.HostAddr.IsValid() && f.HostAddr.Is4() != f.To.Addr().Is4() {
		return fmt.Errorf("%w: forward %s to %s mixes families", ErrInvalid, f.Port(), f.To)
	}
	return nil
}

// ConflictError is a host port another container's forward holds.
type ConflictError struct {
	Port  string // "tcp 8080"
	Owner string // the container holding it
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("host port %s is forwarded to container %s already", e.Port, e.Owner)
}

// Unwrap makes a conflict bad input, like a taken static address.
func (e *ConflictError) Unwrap() error { return ErrInvalid }

// conflict is the first forward of name that another container holds.
func conflict(all map[string][]Forward, name string, fs []Forward) error {
	for _, other := range sortedNames(all) {
		if other == name {
			continue
		}
		for _, g := range all[other] {
			for _, f := range fs {
				if f.overlaps(g) {
					return &ConflictError{Port: f.Port(), Owner: other}
				}
			}
		}
	}
	return nil
}

func sortedNames(all map[string][]Forward) []string {
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// forwardChains are the DNAT chains with every container's forwards, by
// container name: from outside the host (prerouting) and from the host
// itself (output). They exist even when empty, so one container's
// forwards can be added alone.
func forwardChains(all map[string][]Forward) (pre, out Chain) {
	pre = Chain{Name: "prerouting", Type: TypeNAT, Hook: HookPrerouting, Priority: -100}
	out = Chain{Name: "output", Type: TypeNAT, Hook: HookOutput, Priority: -100}
	for _, name := range sortedNames(all) {
		p, o := forwardRules(name, all[name])
		pre.Rules = append(pre.Rules, p...)
		out.Rules = append(out.Rules, o...)
	}
	return pre, out
}

// forwardRules are one container's rules in the prerouting and output
// chains.
func forwardRules(name string, fs []Forward) (pre, out []Rule) {
	for _, f := range fs {
		var dst Match
		var notLoopback Match
		if f.Family() == 4 {
			dst = Match{Field: NFProto, Value: "ipv4"}
			notLoopback = Match{Field: IPDaddr, Neg: true, Value: "127.0.0.0/8"}
		} else {
			dst = Match{Field: NFProto, Value: "ipv6"}
			notLoopback = Match{Field: IP6Daddr, Neg: true, Value: "::1/128"}
		}
		where := Match{Field: FibDaddrType, Value: "local"}
		if f.HostAddr.IsValid() {
			where = Match{Field: IPDaddr, Value: f.HostAddr.String()}
			if f.Family() == 6 {
				where.Field = IP6Daddr
			}
		}
		port := []Match{{Field: L4Proto, Value: f.Protocol}, {Field: THDport, Value: strconv.Itoa(int(f.HostPort))}}
		pre = append(pre, Rule{Matches: append([]Match{dst, where}, port...), Verdict: DNAT, To: f.To, Owner: name})
		// From the host itself: its own addresses but loopback, which
		// cannot be sent to a container (as systemd-nspawn's --port).
		ms := []Match{dst, where}
		if !f.HostAddr.IsValid() {
			ms = append(ms, notLoopback)
		}
		out = append(out, Rule{Matches: append(ms, port...), Verdict: DNAT, To: f.To, Owner: name})
	}
	return pre, out
}

// hostonlyForwarding is brNC-hostonly's forwarding sysctl: off, unless
// ports are forwarded, whose connections must cross it (the forward
// chain lets only those through).
func hostonlyForwarding(all map[string][]Forward) string {
	for _, fs := range all {
		if len(fs) > 0 {
			return "1"
		}
	}
	return "0"
}

package bridges

import (
	"net/netip"

	"github.com/nixlxc/nixlxc/lxcconf"
)

// TableName is the name of nixlxc's nftables tables (one inet, one bridge).
// Nothing else of the host's firewall is touched.
const TableName = "nixlxc"

// Veth name prefixes: a container's hostonly port on brNC-hostonly, its port
// on a bridge the user manages, and its internet port.
const (
	HostonlyVethPrefix = "nh-"
	BridgeVethPrefix   = "nb-"
	InternetVethPrefix = "ni-"
)

// Table is an nftables table as data, compiled to netlink expressions
// for the kernel (nft.go).
type Table struct {
	Family Family
	Chains []Chain
}

// Family is a table's address family.
type Family string

const (
	FamilyInet   Family = "inet"
	FamilyBridge Family = "bridge"
)

// Chain is a base chain.
type Chain struct {
	Name     string
	Type     ChainType
	Hook     Hook
	Priority int
	Rules    []Rule
}

// ChainType is a base chain's type.
type ChainType string

const (
	TypeFilter ChainType = "filter"
	TypeNAT    ChainType = "nat"
)

// Hook is where a base chain sees packets.
type Hook string

const (
	HookInput       Hook = "input"
	HookPrerouting  Hook = "prerouting"
	HookForward     Hook = "forward"
	HookOutput      Hook = "output"
	HookPostrouting Hook = "postrouting"
)

// Rule is a conjunction of matches and a verdict.
type Rule struct {
	Matches []Match
	Verdict Verdict
	// To is where DNAT sends the packet.
	To netip.AddrPort
	// Owner is the container a rule is for (a port forward's), kept in
	// the rule's comment so its rules can be found and replaced alone.
	Owner string
}

// Verdict is what a rule does with a packet it matches.
type Verdict string

const (
	Accept     Verdict = "accept"
	Drop       Verdict = "drop"
	Masquerade Verdict = "masquerade"
	DNAT       Verdict = "dnat"
)

// Match compares one field. Interface names ending in '*' match a prefix.
type Match struct {
	Field Field
	Neg   bool
	Value string
}

// Field is what a match compares.
type Field string

const (
	InIfname  Field = "iifname"
	OutIfname Field = "oifname"
	IPSaddr   Field = "ip saddr"
	IPDaddr   Field = "ip daddr"
	IP6Saddr  Field = "ip6 saddr"
	IP6Daddr  Field = "ip6 daddr"
	// NFProto is "ipv4" or "ipv6": the family of a rule in an inet table
	// that matches no address.
	NFProto Field = "meta nfproto"
	// L4Proto is "tcp" or "udp".
	L4Proto Field = "meta l4proto"
	// THDport is a transport header's destination port (after L4Proto).
	THDport Field = "th dport"
	// FibDaddrType "local": the destination is one of the host's addresses.
	FibDaddrType Field = "fib daddr type"
	// CtStatus "dnat": the connection's destination was translated.
	CtStatus Field = "ct status"
)

// Ruleset returns nixlxc's tables for the host's settings and the
// containers' port forwards. inet is the interface NAT leaves through;
// empty means any but brNC-internet itself.
//
// brNC-hostonly is host-only: nothing is routed into or out of it, nor from
// it back into it (a container routing to another through the host, around
// hostonlyIsolated's bridge rule). The bridge's forwarding sysctl says the
// same (unless ports are forwarded), but anything that sets
// net.ipv4.ip_forward (docker, `sysctl --system`) turns it on again for
// every interface: the rules stand alone.
func Ruleset(c HostConfig, inet string, forwards map[string][]Forward) []Table {
	dnat := Match{Field: CtStatus, Value: "dnat"}
	forward := Chain{Name: "forward", Type: TypeFilter, Hook: HookForward, Priority: 0, Rules: []Rule{
		// A forwarded port is the one way across: connections to it
		// (and their replies) pass, from outside and from containers.
		{Matches: []Match{{Field: OutIfname, Value: Hostonly}, dnat}, Verdict: Accept},
		{Matches: []Match{{Field: InIfname, Value: Hostonly}, dnat}, Verdict: Accept},
		// From brNC-hostonly back into it is left to the bridge table:
		// with br_netfilter (docker loads it; bridge-nf-call-iptables), a
		// frame bridged between two containers also passes this hook, as
		// in and out of brNC-hostonly, like a routed packet.
		{Matches: []Match{{Field: InIfname, Value: Hostonly}, {Field: OutIfname, Neg: true, Value: Hostonly}}, Verdict: Drop},
		{Matches: []Match{{Field: OutIfname, Value: Hostonly}, {Field: InIfname, Neg: true, Value: Hostonly}}, Verdict: Drop},
	}}
	// Only IPv4 from brNC-internet is masqueraded; its IPv6 is routed.
	out := Match{Field: OutIfname, Neg: true, Value: Internet}
	if inet != "" {
		out = Match{Field: OutIfname, Value: inet}
	}
	nat := Chain{Name: "postrouting", Type: TypeNAT, Hook: HookPostrouting, Priority: 100, Rules: []Rule{
		{Matches: []Match{{Field: IPSaddr, Value: InternetSubnet.String()}, {Field: IPDaddr, Neg: true, Value: InternetSubnet.String()}, out}, Verdict: Masquerade},
		// A hostonly container has no route back to whoever reached its
		// forwarded port: its replies go to the host.
		{Matches: []Match{dnat, {Field: OutIfname, Value: Hostonly}}, Verdict: Masquerade},
		// A container reaching a forwarded port on the host would get the
		// reply straight over the bridge, from an address it did not ask
		// (hairpin): to containers, a forwarded port is the host's.
		{Matches: []Match{dnat, {Field: IPSaddr, Value: HostonlySubnet.String()}}, Verdict: Masquerade},
		{Matches: []Match{dnat, {Field: IPSaddr, Value: InternetSubnet.String()}}, Verdict: Masquerade},
	}}
	if c.IPv6.Enable {
		if p, err := c.IPv6.PrefixValue(); err == nil {
			nat.Rules = append(nat.Rules, Rule{Matches: []Match{dnat, {Field: IP6Saddr, Value: p.String()}}, Verdict: Masquerade})
		}
	}
	pre, output := forwardChains(forwards)
	// What a container hands the host (a frame to the bridge's own
	// address) for another container's address would be routed back into
	// brNC-hostonly: dropped before routing. A container sends to another
	// one's address directly, over the bridge, never through the host; a
	// forwarded port it reaches is the host's address. Hostonly containers
	// have link-local IPv6 addresses only, which are never routed.
	handedUp := Chain{Name: "input", Type: TypeFilter, Hook: HookInput, Priority: 0, Rules: []Rule{{Matches: []Match{
		{Field: InIfname, Value: HostonlyVethPrefix + "*"},
		{Field: IPDaddr, Value: HostonlySubnet.String()},
		{Field: IPDaddr, Neg: true, Value: HostonlyHost.String()},
		{Field: IPDaddr, Neg: true, Value: lxcconf.Broadcast(netip.PrefixFrom(HostonlyHost, HostonlySubnet.Bits())).String()},
	}, Verdict: Drop}}}
	bridge := Table{Family: FamilyBridge, Chains: []Chain{handedUp}}
	if c.HostonlyIsolated {
		// Frames bridged from one container's hostonly port to another's
		// are dropped; frames to the host are delivered locally, not
		// forwarded, so the host stays reachable.
		bridge.Chains = append(bridge.Chains, Chain{
			Name: "isolate", Type: TypeFilter, Hook: HookForward, Priority: 0,
			Rules: []Rule{{Matches: []Match{
				{Field: InIfname, Value: HostonlyVethPrefix + "*"},
				{Field: OutIfname, Value: HostonlyVethPrefix + "*"},
			}, Verdict: Drop}},
		})
	}
	return []Table{{Family: FamilyInet, Chains: []Chain{pre, forward, output, nat}}, bridge}
}

// prefixValue parses the value of an address match: a prefix, or an
// address (a prefix of its full length).
func (m Match) prefixValue() (netip.Prefix, error) {
	if a, err := netip.ParseAddr(m.Value); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.ParsePrefix(m.Value)
}

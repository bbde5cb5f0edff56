package bridges

import (
	"net/netip"
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
	HookForward     Hook = "forward"
	HookPostrouting Hook = "postrouting"
)

// Rule is a conjunction of matches and a verdict.
type Rule struct {
	Matches []Match
	Verdict Verdict
}

// Verdict is what a rule does with a packet it matches.
type Verdict string

const (
	Accept     Verdict = "accept"
	Drop       Verdict = "drop"
	Masquerade Verdict = "masquerade"
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
)

// Ruleset returns nixlxc's tables for the host's settings. inet is the
// interface NAT leaves through; empty means any but brNC-internet itself.
func Ruleset(c HostConfig, inet string) []Table {
	forward := Chain{Name: "forward", Type: TypeFilter, Hook: HookForward, Priority: 0, Rules: []Rule{
		// brNC-hostonly is host-only: nothing is routed into or out of it.
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
	}}
	tables := []Table{{Family: FamilyInet, Chains: []Chain{forward, nat}}}
	if c.HostonlyIsolated {
		// Frames bridged from one container's hostonly port to another's
		// are dropped; frames to the host are delivered locally, not
		// forwarded, so the host stays reachable.
		tables = append(tables, Table{Family: FamilyBridge, Chains: []Chain{{
			Name: "isolate", Type: TypeFilter, Hook: HookForward, Priority: 0,
			Rules: []Rule{{Matches: []Match{
				{Field: InIfname, Value: HostonlyVethPrefix + "*"},
				{Field: OutIfname, Value: HostonlyVethPrefix + "*"},
			}, Verdict: Drop}},
		}}})
	}
	return tables
}

// prefixValue parses the value of an address match.
func (m Match) prefixValue() (netip.Prefix, error) {
	return netip.ParsePrefix(m.Value)
}

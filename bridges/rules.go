package bridges

import (
	"fmt"
	"net/netip"
	"strings"
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

// Table is an nftables table as data, rendered to nft's syntax for people
// and compiled to netlink expressions for the kernel.
type Table struct {
	Family string // "inet" or "bridge"
	Chains []Chain
}

// Chain is a base chain.
type Chain struct {
	Name     string
	Type     string // "filter" or "nat"
	Hook     string // "forward" or "postrouting"
	Priority int
	Rules    []Rule
}

// Rule is a conjunction of matches and a verdict.
type Rule struct {
	Matches []Match
	Verdict string // "accept", "drop" or "masquerade"
}

// Match compares one field. Interface names ending in '*' match a prefix.
type Match struct {
	Field string // "iifname", "oifname", "ip saddr", "ip daddr"
	Neg   bool
	Value string
}

// Ruleset returns nixlxc's tables for the host's settings. inet is the
// interface NAT leaves through; empty means any but brNC-internet itself.
func Ruleset(c HostConfig, inet string) []Table {
	forward := Chain{Name: "forward", Type: "filter", Hook: "forward", Priority: 0, Rules: []Rule{
		// brNC-hostonly is host-only: nothing is routed into or out of it.
		{Matches: []Match{{Field: "iifname", Value: Hostonly}, {Field: "oifname", Neg: true, Value: Hostonly}}, Verdict: "drop"},
		{Matches: []Match{{Field: "oifname", Value: Hostonly}, {Field: "iifname", Neg: true, Value: Hostonly}}, Verdict: "drop"},
	}}
	// Only IPv4 from brNC-internet is masqueraded; its IPv6 is routed.
	out := Match{Field: "oifname", Neg: true, Value: Internet}
	if inet != "" {
		out = Match{Field: "oifname", Value: inet}
	}
	nat := Chain{Name: "postrouting", Type: "nat", Hook: "postrouting", Priority: 100, Rules: []Rule{
		{Matches: []Match{{Field: "ip saddr", Value: InternetSubnet.String()}, {Field: "ip daddr", Neg: true, Value: InternetSubnet.String()}, out}, Verdict: "masquerade"},
	}}
	tables := []Table{{Family: "inet", Chains: []Chain{forward, nat}}}
	if c.HostonlyIsolated {
		// Frames bridged from one container's hostonly port to another's
		// are dropped; frames to the host are delivered locally, not
		// forwarded, so the host stays reachable.
		tables = append(tables, Table{Family: "bridge", Chains: []Chain{{
			Name: "isolate", Type: "filter", Hook: "forward", Priority: 0,
			Rules: []Rule{{Matches: []Match{
				{Field: "iifname", Value: HostonlyVethPrefix + "*"},
				{Field: "oifname", Value: HostonlyVethPrefix + "*"},
			}, Verdict: "drop"}},
		}}})
	}
	return tables
}

// String renders the table in nft's syntax.
func (t Table) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %s %s {\n", t.Family, TableName)
	for i, c := range t.Chains {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "\tchain %s {\n\t\ttype %s hook %s priority %d; policy accept;\n", c.Name, c.Type, c.Hook, c.Priority)
		for _, r := range c.Rules {
			b.WriteString("\t\t" + r.String() + "\n")
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func (r Rule) String() string {
	parts := make([]string, 0, len(r.Matches)+1)
	for _, m := range r.Matches {
		parts = append(parts, m.String())
	}
	return strings.Join(append(parts, r.Verdict), " ")
}

func (m Match) String() string {
	op := ""
	if m.Neg {
		op = "!= "
	}
	v := m.Value
	if strings.HasSuffix(m.Field, "name") {
		v = `"` + v + `"`
	}
	return m.Field + " " + op + v
}

// prefixValue parses the value of an address match.
func (m Match) prefixValue() (netip.Prefix, error) {
	return netip.ParsePrefix(m.Value)
}

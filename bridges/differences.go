package bridges

import (
	"bytes"
	"fmt"
	"slices"
	"sort"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// What of nixlxc's rules is in the kernel, against what setup makes: doctor
// reports a difference and a start's setup mends it.

// ruleDifferences lists how nixlxc's tables in the kernel differ from those
// setup makes for settings c (NAT out of inet): a table or chain missing, a
// chain's rules changed (compared as the netlink messages setup sends: a
// rule deleted, altered or added by hand), a table or chain setup would not
// make. Empty: every rule is in place. The rules of the chains holding the
// containers' port forwards are each container's, checked per container
// (the forwards' own finding).
func ruleDifferences(c HostConfig, inet string) ([]string, error) {
	want, err := plan(Ruleset(c, inet, nil))
	if err != nil {
		return nil, err
	}
	conn, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	tables, err := conn.ListTables()
	if err != nil {
		return nil, fmt.Errorf("nftables: listing tables: %w", err)
	}
	chains, err := conn.ListChains()
	if err != nil {
		return nil, fmt.Errorf("nftables: listing chains: %w", err)
	}
	// What is there of nixlxc's, crossed off as the plan finds it: what
	// remains, setup would not make.
	tablesLeft := map[nftables.TableFamily]bool{}
	for _, t := range tables {
		if t.Name == TableName {
			tablesLeft[t.Family] = true
		}
	}
	chainsLeft := map[string]*nftables.Chain{} // by family and name
	for _, ch := range chains {
		if ch.Table.Name == TableName {
			chainsLeft[fmt.Sprint(ch.Table.Family, " ", ch.Name)] = ch
		}
	}
	var out []string
	for _, pt := range want {
		table := fmt.Sprintf("nftables table %s %s", pt.family, TableName)
		if !tablesLeft[pt.table.Family] {
			out = append(out, "no "+table)
			continue
		}
		delete(tablesLeft, pt.table.Family)
		for _, pc := range pt.chains {
			key := fmt.Sprint(pt.table.Family, " ", pc.chain.Name)
			got := chainsLeft[key]
			delete(chainsLeft, key)
			forwards := pt.family == FamilyInet && slices.Contains(forwardChainNames, pc.chain.Name)
			if got == nil || !sameChain(got, pc.chain) {
				out = append(out, fmt.Sprintf("chain %s of %s missing or changed", pc.chain.Name, table))
				continue
			}
			if forwards {
				continue
			}
			rules, err := conn.GetRules(got.Table, got)
			if err != nil {
				return nil, fmt.Errorf("nftables: the rules of %s %s: %w", table, pc.chain.Name, err)
			}
			if !sameRules(byte(pt.table.Family), rules, pc.rules) {
				out = append(out, fmt.Sprintf("rules of chain %s of %s changed", pc.chain.Name, table))
			}
		}
	}
	for _, ch := range chainsLeft {
		if !tablesLeft[ch.Table.Family] { // a stray table is named below
			out = append(out, fmt.Sprintf("an extra chain %s in nftables table %s %s", ch.Name, familyName(ch.Table.Family), TableName))
		}
	}
	for fam := range tablesLeft {
		out = append(out, fmt.Sprintf("an extra nftables table %s %s", familyName(fam), TableName))
	}
	sort.Strings(out)
	return out, nil
}

// familyName is how nft names a table family.
func familyName(f nftables.TableFamily) string {
	for _, fam := range []Family{FamilyInet, FamilyBridge} {
		if n, _ := fam.nft(); n == f {
			return string(fam)
		}
	}
	return fmt.Sprintf("family %d", f)
}

// sameChain compares what makes a base chain see and pass packets.
func sameChain(got, want *nftables.Chain) bool {
	return got.Type == want.Type && got.Hooknum != nil && *got.Hooknum == *want.Hooknum &&
		got.Priority != nil && *got.Priority == *want.Priority &&
		got.Policy != nil && *got.Policy == *want.Policy
}

// sameRules compares rules as the kernel has them with those setup sends,
// expression by expression, as netlink attributes.
func sameRules(fam byte, got, want []*nftables.Rule) bool {
	if len(got) != len(want) {
		return false
	}
	for i, r := range got {
		if len(r.Exprs) != len(want[i].Exprs) {
			return false
		}
		for j, e := range r.Exprs {
			a, err := expr.Marshal(fam, e)
			if err != nil {
				return false
			}
			b, err := expr.Marshal(fam, want[i].Exprs[j])
			if err != nil || !bytes.Equal(a, b) {
				return false
			}
		}
	}
	return true
}

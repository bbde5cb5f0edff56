package bridges

import (
	"fmt"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// planned is a table as it goes to the kernel.
type planned struct {
	table  *nftables.Table
	chains []plannedChain
}

type plannedChain struct {
	chain *nftables.Chain
	rules [][]expr.Any
}

// plan compiles tables to what applyRuleset sends: pure, and what the
// golden tests read.
func plan(tables []Table) ([]planned, error) {
	var out []planned
	for _, t := range tables {
		fam, err := t.Family.nft()
		if err != nil {
			return nil, err
		}
		pt := planned{table: &nftables.Table{Name: TableName, Family: fam}}
		for _, ch := range t.Chains {
			typ, err := ch.Type.nft()
			if err != nil {
				return nil, err
			}
			hook, err := ch.Hook.nft()
			if err != nil {
				return nil, err
			}
			prio := nftables.ChainPriority(ch.Priority)
			policy := nftables.ChainPolicyAccept
			pc := plannedChain{chain: &nftables.Chain{Name: ch.Name, Table: pt.table, Type: typ, Hooknum: hook, Priority: &prio, Policy: &policy}}
			for _, r := range ch.Rules {
				exprs, err := compile(t.Family, r)
				if err != nil {
					return nil, err
				}
				pc.rules = append(pc.rules, exprs)
			}
			pt.chains = append(pt.chains, pc)
		}
		out = append(out, pt)
	}
	return out, nil
}

// applyRuleset replaces nixlxc's tables with tables, in one nftables
// transaction: applying twice leaves one copy, and nothing else changes.
func applyRuleset(tables []Table) error {
	batch, err := plan(tables)
	if err != nil {
		return err
	}
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	existing, err := ourTables(c)
	if err != nil {
		return err
	}
	for _, t := range existing {
		c.DelTable(t)
	}
	for _, pt := range batch {
		nt := c.AddTable(pt.table)
		for _, pc := range pt.chains {
			pc.chain.Table = nt
			nc := c.AddChain(pc.chain)
			for _, exprs := range pc.rules {
				c.AddRule(&nftables.Rule{Table: nt, Chain: nc, Exprs: exprs})
			}
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: applying nixlxc's rules: %w", err)
	}
	return nil
}

// deleteRuleset removes nixlxc's tables, and only them.
func deleteRuleset() error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	existing, err := ourTables(c)
	if err != nil || len(existing) == 0 {
		return err
	}
	for _, t := range existing {
		c.DelTable(t)
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: removing nixlxc's tables: %w", err)
	}
	return nil
}

// ourTables lists the tables named nixlxc, of any family.
func ourTables(c *nftables.Conn) ([]*nftables.Table, error) {
	all, err := c.ListTables()
	if err != nil {
		return nil, fmt.Errorf("nftables: listing tables: %w", err)
	}
	var out []*nftables.Table
	for _, t := range all {
		if t.Name == TableName {
			out = append(out, t)
		}
	}
	return out, nil
}

// RulesPresent reports, with one netlink dump, whether every table a setup
// with settings c makes exists. An nftables reload that flushes the whole
// ruleset (NixOS's networking.nftables does) removes them and leaves the
// bridges, and LXC starts containers on the bridges alone: without NAT
// and without isolation.
func RulesPresent(c HostConfig) bool {
	conn, err := nftables.New()
	if err != nil {
		return false
	}
	tables, err := conn.ListTables()
	if err != nil {
		return false
	}
	missing := map[nftables.TableFamily]bool{}
	for _, t := range Ruleset(c, "") {
		f, err := t.Family.nft()
		if err != nil {
			return false
		}
		missing[f] = true
	}
	for _, t := range tables {
		if t.Name == TableName {
			delete(missing, t.Family)
		}
	}
	return len(missing) == 0
}

// rulesetPresent reports whether the inet table exists (setup ran here).
func rulesetPresent() bool {
	c, err := nftables.New()
	if err != nil {
		return false
	}
	t, err := c.ListTableOfFamily(TableName, nftables.TableFamilyINet)
	return err == nil && t != nil
}

func (f Family) nft() (nftables.TableFamily, error) {
	switch f {
	case FamilyInet:
		return nftables.TableFamilyINet, nil
	case FamilyBridge:
		return nftables.TableFamilyBridge, nil
	}
	return 0, fmt.Errorf("nftables: unknown family %q", string(f))
}

func (t ChainType) nft() (nftables.ChainType, error) {
	switch t {
	case TypeFilter:
		return nftables.ChainTypeFilter, nil
	case TypeNAT:
		return nftables.ChainTypeNAT, nil
	}
	return "", fmt.Errorf("nftables: unknown chain type %q", string(t))
}

func (h Hook) nft() (*nftables.ChainHook, error) {
	switch h {
	case HookForward:
		return nftables.ChainHookForward, nil
	case HookPostrouting:
		return nftables.ChainHookPostrouting, nil
	}
	return nil, fmt.Errorf("nftables: unknown hook %q", string(h))
}

// compile turns a rule into nftables expressions.
func compile(fam Family, r Rule) ([]expr.Any, error) {
	var out []expr.Any
	ipChecked := false
	for _, m := range r.Matches {
		op := expr.CmpOpEq
		if m.Neg {
			op = expr.CmpOpNeq
		}
		switch m.Field {
		case InIfname, OutIfname:
			key := expr.MetaKeyIIFNAME
			if m.Field == OutIfname {
				key = expr.MetaKeyOIFNAME
			}
			out = append(out,
				&expr.Meta{Key: key, Register: 1},
				&expr.Cmp{Op: op, Register: 1, Data: ifname(m.Value)})
		case IPSaddr, IPDaddr:
			p, err := m.prefixValue()
			if err != nil || !p.Addr().Is4() {
				return nil, fmt.Errorf("nftables: %q is not an IPv4 prefix", m.Value)
			}
			if fam == FamilyInet && !ipChecked {
				out = append(out,
					&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
					&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.NFPROTO_IPV4}})
				ipChecked = true
			}
			offset := uint32(12)
			if m.Field == IPDaddr {
				offset = 16
			}
			addr := p.Masked().Addr().As4()
			mask := net4Mask(p.Bits())
			out = append(out,
				&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
				&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: []byte{0, 0, 0, 0}},
				&expr.Cmp{Op: op, Register: 1, Data: addr[:]})
		default:
			return nil, fmt.Errorf("nftables: unknown match %q", string(m.Field))
		}
	}
	switch r.Verdict {
	case Accept:
		out = append(out, &expr.Verdict{Kind: expr.VerdictAccept})
	case Drop:
		out = append(out, &expr.Verdict{Kind: expr.VerdictDrop})
	case Masquerade:
		out = append(out, &expr.Masq{})
	default:
		return nil, fmt.Errorf("nftables: unknown verdict %q", string(r.Verdict))
	}
	return out, nil
}

// ifname is an interface name as the kernel compares it: NUL-padded to 16
// bytes, or, for "prefix*", just the prefix.
func ifname(name string) []byte {
	if p, ok := strings.CutSuffix(name, "*"); ok {
		return []byte(p)
	}
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return b
}

func net4Mask(bits int) []byte {
	m := ^uint32(0) << (32 - bits)
	if bits == 0 {
		m = 0
	}
	return []byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}
}

package bridges

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"golang.org/x/sys/unix"
)

// planned is a table as it goes to the kernel.
type planned struct {
	family Family
	table  *nftables.Table
	chains []plannedChain
}

type plannedChain struct {
	chain *nftables.Chain
	rules []*nftables.Rule
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
		pt := planned{family: t.Family, table: &nftables.Table{Name: TableName, Family: fam}}
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
				nr, err := compileRule(t.Family, r)
				if err != nil {
					return nil, err
				}
				pc.rules = append(pc.rules, nr)
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
			for _, r := range pc.rules {
				r.Table, r.Chain = nt, nc
				c.AddRule(r)
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
	for _, t := range Ruleset(c, "", nil) {
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
	case HookInput:
		return nftables.ChainHookInput, nil
	case HookPrerouting:
		return nftables.ChainHookPrerouting, nil
	case HookForward:
		return nftables.ChainHookForward, nil
	case HookOutput:
		return nftables.ChainHookOutput, nil
	case HookPostrouting:
		return nftables.ChainHookPostrouting, nil
	}
	return nil, fmt.Errorf("nftables: unknown hook %q", string(h))
}

// ownerComment is the comment a container's rules carry (nft shows it as
// `comment "nixlxc:NAME"`).
const ownerComment = "nixlxc:"

// compileRule turns a rule into what the kernel gets: its expressions and,
// for a container's rule, a comment naming the container.
func compileRule(fam Family, r Rule) (*nftables.Rule, error) {
	exprs, err := compile(fam, r)
	if err != nil {
		return nil, err
	}
	nr := &nftables.Rule{Exprs: exprs}
	if r.Owner != "" {
		nr.UserData = userdata.AppendString(nil, userdata.TypeComment, ownerComment+r.Owner)
	}
	return nr, nil
}

// ruleOwner is the container a rule in the kernel belongs to ("": none).
func ruleOwner(r *nftables.Rule) string {
	c, ok := userdata.GetString(r.UserData, userdata.TypeComment)
	if !ok {
		return ""
	}
	name, ok := strings.CutPrefix(c, ownerComment)
	if !ok {
		return ""
	}
	return name
}

// compile turns a rule into nftables expressions.
func compile(fam Family, r Rule) ([]expr.Any, error) {
	var out []expr.Any
	proto := byte(0) // the NFPROTO the rule is limited to, once it is
	limit := func(p byte) error {
		if proto != 0 && proto != p {
			return fmt.Errorf("nftables: a rule matching both IPv4 and IPv6")
		}
		// The header is IPv4's only in IPv4 packets: an inet chain sees
		// IPv6 too, a bridge chain any frame.
		if fam == FamilyInet && proto == 0 {
			out = append(out,
				&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{p}})
		}
		if fam == FamilyBridge && proto == 0 {
			if p != unix.NFPROTO_IPV4 {
				return fmt.Errorf("nftables: IPv6 in a bridge chain")
			}
			out = append(out,
				&expr.Meta{Key: expr.MetaKeyPROTOCOL, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(unix.ETH_P_IP)})
		}
		proto = p
		return nil
	}
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
		case IPSaddr, IPDaddr, IP6Saddr, IP6Daddr:
			p, err := m.prefixValue()
			v4 := m.Field == IPSaddr || m.Field == IPDaddr
			if err != nil || p.Addr().Is4() != v4 || p.Addr().Is4In6() {
				return nil, fmt.Errorf("nftables: %q is not an %s prefix", m.Value, map[bool]string{true: "IPv4", false: "IPv6"}[v4])
			}
			nfproto, offset, size := byte(unix.NFPROTO_IPV4), uint32(12), uint32(4)
			switch m.Field {
			case IPDaddr:
				offset = 16
			case IP6Saddr:
				nfproto, offset, size = unix.NFPROTO_IPV6, 8, 16
			case IP6Daddr:
				nfproto, offset, size = unix.NFPROTO_IPV6, 24, 16
			}
			if err := limit(nfproto); err != nil {
				return nil, err
			}
			addr := p.Masked().Addr().AsSlice()
			out = append(out,
				&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: size},
				&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: size, Mask: netMask(p.Bits(), int(size)), Xor: make([]byte, size)},
				&expr.Cmp{Op: op, Register: 1, Data: addr})
		case NFProto:
			p, ok := map[string]byte{"ipv4": unix.NFPROTO_IPV4, "ipv6": unix.NFPROTO_IPV6}[m.Value]
			if !ok || m.Neg {
				return nil, fmt.Errorf("nftables: meta nfproto %q", m.Value)
			}
			if err := limit(p); err != nil {
				return nil, err
			}
		case L4Proto:
			p, ok := map[string]byte{"tcp": unix.IPPROTO_TCP, "udp": unix.IPPROTO_UDP}[m.Value]
			if !ok {
				return nil, fmt.Errorf("nftables: meta l4proto %q", m.Value)
			}
			out = append(out,
				&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
				&expr.Cmp{Op: op, Register: 1, Data: []byte{p}})
		case THDport:
			port, err := strconv.ParseUint(m.Value, 10, 16)
			if err != nil || port == 0 {
				return nil, fmt.Errorf("nftables: th dport %q", m.Value)
			}
			out = append(out,
				&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
				&expr.Cmp{Op: op, Register: 1, Data: binaryutil.BigEndian.PutUint16(uint16(port))})
		case FibDaddrType:
			if m.Value != "local" {
				return nil, fmt.Errorf("nftables: fib daddr type %q", m.Value)
			}
			out = append(out,
				&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
				&expr.Cmp{Op: op, Register: 1, Data: binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)})
		case CtStatus:
			if m.Value != "dnat" {
				return nil, fmt.Errorf("nftables: ct status %q", m.Value)
			}
			// The connection has its destination translated: a status bit.
			bit := binaryutil.NativeEndian.PutUint32(ipsDstNAT)
			cmp := expr.CmpOpNeq
			if m.Neg {
				cmp = expr.CmpOpEq
			}
			out = append(out,
				&expr.Ct{Register: 1, Key: expr.CtKeySTATUS},
				&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: bit, Xor: []byte{0, 0, 0, 0}},
				&expr.Cmp{Op: cmp, Register: 1, Data: []byte{0, 0, 0, 0}})
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
	case DNAT:
		to := r.To.Addr()
		if !r.To.IsValid() || r.To.Port() == 0 || to.Is4In6() {
			return nil, fmt.Errorf("nftables: dnat to %q", r.To)
		}
		nfproto := byte(unix.NFPROTO_IPV4)
		if to.Is6() {
			nfproto = unix.NFPROTO_IPV6
		}
		// The family the rule matched is the family it translates to.
		if err := limit(nfproto); err != nil {
			return nil, err
		}
		out = append(out,
			&expr.Immediate{Register: 1, Data: to.AsSlice()},
			&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(r.To.Port())},
			&expr.NAT{Type: expr.NATTypeDestNAT, Family: uint32(nfproto), RegAddrMin: 1, RegProtoMin: 2, Specified: true})
	default:
		return nil, fmt.Errorf("nftables: unknown verdict %q", string(r.Verdict))
	}
	return out, nil
}

// ipsDstNAT is conntrack's IPS_DST_NAT status bit.
const ipsDstNAT = 1 << 5

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

// netMask is a prefix length as a mask of size bytes.
func netMask(bits, size int) []byte {
	m := make([]byte, size)
	for i := 0; i < bits; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return m
}

// errChainsMissing: nixlxc's inet table lacks the forward chains.
var errChainsMissing = errors.New("nftables: nixlxc's forward chains are missing")

// forwardChainNames are the chains holding containers' own rules.
var forwardChainNames = []string{"prerouting", "output"}

// replaceOwnerRules makes container name's rules in the forward chains
// those of fs, in one transaction: its old rules go, its new ones are
// appended, nobody else's change. When fs is what they were (!changed) and
// the right number of rules is in place (a start that finds them there),
// nothing is sent.
func replaceOwnerRules(name string, fs []Forward, changed bool) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	table := &nftables.Table{Name: TableName, Family: nftables.TableFamilyINet}
	pre, out := forwardRules(name, fs)
	want := map[string][]Rule{"prerouting": pre, "output": out}
	var stale []*nftables.Rule
	chains := map[string]*nftables.Chain{}
	same := true
	for _, chain := range forwardChainNames {
		ch, err := c.ListChain(table, chain)
		if err != nil {
			return errChainsMissing
		}
		chains[chain] = ch
		rules, err := c.GetRules(table, ch)
		if err != nil {
			return fmt.Errorf("nftables: listing chain %s: %w", chain, err)
		}
		n := 0
		for _, r := range rules {
			if ruleOwner(r) == name {
				stale = append(stale, r)
				n++
			}
		}
		same = same && n == len(want[chain])
	}
	if !changed && same {
		return nil
	}
	for _, r := range stale {
		if err := c.DelRule(r); err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
	}
	for _, chain := range forwardChainNames {
		for _, r := range want[chain] {
			nr, err := compileRule(FamilyInet, r)
			if err != nil {
				return err
			}
			nr.Table, nr.Chain = table, chains[chain]
			c.AddRule(nr)
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: forwarding the ports of %s: %w", name, err)
	}
	return nil
}

// ForwardRules counts the rules of each container in nixlxc's forward
// chains, for doctor ("": the host's network is not set up, or an older
// setup without the chains).
func ForwardRules() (map[string]int, error) {
	counts := map[string]int{}
	if !rulesetPresent() {
		return counts, nil
	}
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	table := &nftables.Table{Name: TableName, Family: nftables.TableFamilyINet}
	for _, chain := range forwardChainNames {
		ch, err := c.ListChain(table, chain)
		if err != nil {
			continue
		}
		rules, err := c.GetRules(table, ch)
		if err != nil {
			return nil, fmt.Errorf("nftables: listing chain %s: %w", chain, err)
		}
		for _, r := range rules {
			if owner := ruleOwner(r); owner != "" {
				counts[owner]++
			}
		}
	}
	return counts, nil
}

// RulesPerForward is how many rules one forward makes (prerouting and
// output).
const RulesPerForward = 2

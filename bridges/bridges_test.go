package bridges

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/vishvananda/netlink"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestParseHostConfig(t *testing.T) {
	c, err := ParseHostConfig([]byte(`{ "internetInterface": "eth0", "hostonlyIsolated": true, "ipv6": { "enable": true,
	  "ipv6InternetInterfaceAddress": "2001:db8:1:1::1", "ipv6Prefix": "2001:db8:1:1::", "ipv6PrefixLength": 64,
	  "ipv6NameServers": ["2001:db8::53"] } }`))
	if err != nil {
		t.Fatal(err)
	}
	if c.InternetInterface != "eth0" || !c.HostonlyIsolated || !c.IPv6.Enable || c.IPv6.HostAddress().String() != "2001:db8:1:1::1" {
		t.Errorf("parsed %+v", c)
	}
	// nixcloud's own example: a /66.
	if _, err := ParseHostConfig([]byte(`{"ipv6":{"enable":true,"ipv6InternetInterfaceAddress":"2a01:4f8:221:3744:4000::1","ipv6Prefix":"2a01:4f8:221:3744:4000::","ipv6PrefixLength":66}}`)); err != nil {
		t.Errorf("nixcloud's example: %v", err)
	}
	if c, err := ParseHostConfig([]byte(`{"trustedOwners":["alice","1000","svc$"]}`)); err != nil || len(c.TrustedOwners) != 3 {
		t.Errorf("trustedOwners: %+v, %v", c, err)
	}
	if c, err := ParseHostConfig([]byte(`{"bindMountSources":["/srv","/mnt/data"]}`)); err != nil || len(c.BindMountSources) != 2 {
		t.Errorf("bindMountSources: %+v, %v", c, err)
	}
	if c, err := ParseHostConfig([]byte(`{}`)); err != nil || c.IPv6.Enable || c.InternetInterface != "" || c.BindMountSources != nil {
		t.Errorf("defaults: %+v, %v", c, err)
	}
	for js, want := range map[string]string{
		`{"internetInterfce":"eth0"}`:           "internetInterfce",
		`{"internetInterface":"a/b"}`:           "internetInterface",
		`{"internetInterface":"brNC-internet"}`: "own bridges",
		`{"hostonlyIsolated":"yes"}`:            "hostonlyIsolated",
		`{"ipv6":{"enable":true}}`:              "ipv6Prefix",
		`{"ipv6":{"enable":true,"ipv6Prefix":"2001:db8::","ipv6PrefixLength":64,"ipv6InternetInterfaceAddress":"2001:db9::1"}}`:  "not in 2001:db8::/64",
		`{"ipv6":{"enable":true,"ipv6Prefix":"2001:db8::1","ipv6PrefixLength":64,"ipv6InternetInterfaceAddress":"2001:db8::2"}}`: "bits set beyond",
		`{"ipv6":{"enable":true,"ipv6Prefix":"2001:db8::","ipv6PrefixLength":130,"ipv6InternetInterfaceAddress":"2001:db8::2"}}`: "ipv6PrefixLength",
		`{"ipv6":{"enable":true,"ipv6Prefix":"10.0.0.0","ipv6PrefixLength":64,"ipv6InternetInterfaceAddress":"2001:db8::2"}}`:    "not an IPv6 prefix",
		`{"ipv6":{"enable":true,"ipv6Prefix":"2001:db8::","ipv6PrefixLength":64,"ipv6InternetInterfaceAddress":"2001:db8::"}}`:   "subnet-router",
		`{"ipv6":{"ipv6NameServers":["dns.example"]}}`: "not an IP address",
		`{} {}`:                                "trailing",
		`{"trustedOwners":["alice","a b"]}`:    "trustedOwners",
		`{"trustedOwners":"alice"}`:            "trustedOwners",
		`{"bindMountSources":["srv"]}`:         "bindMountSources",
		`{"bindMountSources":["/srv/../etc"]}`: "bindMountSources",
		`{"bindMountSources":"/srv"}`:          "bindMountSources",
	} {
		_, err := ParseHostConfig([]byte(js))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error mentioning %q", js, err, want)
		}
	}
}

// dump writes what applyRuleset sends to the kernel, one line per table,
// chain and expression, for golden files.
func dump(batch []planned) string {
	var b strings.Builder
	for _, pt := range batch {
		fmt.Fprintf(&b, "table %s family %d\n", pt.table.Name, pt.table.Family)
		for _, pc := range pt.chains {
			c := pc.chain
			fmt.Fprintf(&b, "  chain %s type %s hook %d priority %d policy %d\n", c.Name, c.Type, *c.Hooknum, *c.Priority, *c.Policy)
			for i, rule := range pc.rules {
				fmt.Fprintf(&b, "    rule %d\n", i)
				if owner := ruleOwner(rule); owner != "" {
					fmt.Fprintf(&b, "      comment %q\n", ownerComment+owner)
				}
				for _, e := range rule.Exprs {
					if c, ok := e.(*expr.Cmp); ok {
						// Data as a string: interface names read as names.
						fmt.Fprintf(&b, "      %T op %d register %d data %q\n", c, c.Op, c.Register, c.Data)
						continue
					}
					fmt.Fprintf(&b, "      %T %+v\n", e, e)
				}
			}
		}
	}
	return b.String()
}

// TestRulesetGolden: the tables, chains and expressions nixlxc sends to the
// kernel for each kind of host.
func TestRulesetGolden(t *testing.T) {
	v6, err := ParseHostConfig([]byte(`{"ipv6":{"enable":true,"ipv6InternetInterfaceAddress":"2001:db8:1:1::1","ipv6Prefix":"2001:db8:1:1::","ipv6PrefixLength":64}}`))
	if err != nil {
		t.Fatal(err)
	}
	forwards := map[string][]Forward{
		"web": {
			{Protocol: "tcp", HostPort: 8080, To: netip.MustParseAddrPort("10.202.0.2:80")},
			{Protocol: "tcp", HostPort: 8080, To: netip.MustParseAddrPort("[2001:db8:1:1::2]:80")},
		},
		"dns": {
			{Protocol: "udp", HostAddr: netip.MustParseAddr("198.51.100.1"), HostPort: 53, To: netip.MustParseAddrPort("10.101.0.3:5353")},
			{Protocol: "udp", HostAddr: netip.MustParseAddr("2001:db8:ffff::1"), HostPort: 53, To: netip.MustParseAddrPort("[2001:db8:1:1::3]:53")},
		},
	}
	cases := map[string]struct {
		c        HostConfig
		inet     string
		forwards map[string][]Forward
	}{
		"default":   {HostConfig{}, "eth0", nil},
		"no-uplink": {HostConfig{}, "", nil},
		"isolated":  {HostConfig{HostonlyIsolated: true}, "enp0s3", nil},
		"forwards":  {v6, "eth0", forwards},
	}
	for name, c := range cases {
		batch, err := plan(Ruleset(c.c, c.inet, c.forwards))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := dump(batch)
		path := filepath.Join("testdata", name+".nft")
		if *update {
			os.WriteFile(path, []byte(got), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

// Values outside the enums are refused, never silently another one.
func TestPlanRefusesUnknownValues(t *testing.T) {
	ok := Chain{Name: "c", Type: TypeFilter, Hook: HookForward}
	for name, tables := range map[string][]Table{
		"family":  {{Family: "ip6", Chains: []Chain{ok}}},
		"type":    {{Family: FamilyInet, Chains: []Chain{{Name: "c", Type: "route", Hook: HookForward}}}},
		"hook":    {{Family: FamilyInet, Chains: []Chain{{Name: "c", Type: TypeFilter, Hook: "ingress"}}}},
		"verdict": {{Family: FamilyInet, Chains: []Chain{{Name: "c", Type: TypeFilter, Hook: HookForward, Rules: []Rule{{Verdict: "reject"}}}}}},
		"field":   {{Family: FamilyInet, Chains: []Chain{{Name: "c", Type: TypeFilter, Hook: HookForward, Rules: []Rule{{Matches: []Match{{Field: "tcp dport", Value: "22"}}, Verdict: Drop}}}}}},
		"prefix":  {{Family: FamilyInet, Chains: []Chain{{Name: "c", Type: TypeFilter, Hook: HookForward, Rules: []Rule{{Matches: []Match{{Field: IPSaddr, Value: "2001:db8::/64"}}, Verdict: Drop}}}}}},
	} {
		if _, err := plan(tables); err == nil {
			t.Errorf("%s: an unknown value was planned", name)
		}
	}
}

// A bridge's mark names an installation by its state directory; another
// alias is no mark.
func TestInstallationMark(t *testing.T) {
	m, err := mark("/var/lib/nixlxc")
	if err != nil || m != "nixlxc installation /var/lib/nixlxc" {
		t.Fatalf("mark = %q, %v", m, err)
	}
	for alias, want := range map[string]string{
		m:                        "/var/lib/nixlxc",
		"":                       "",
		"uplink to the lab":      "",
		"nixlxc installation /x": "/x",
	} {
		if got := ownerOf(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Alias: alias}}); got != want {
			t.Errorf("ownerOf(%q) = %q, want %q", alias, got, want)
		}
	}
	if _, err := mark("/" + strings.Repeat("d", 240)); err == nil {
		t.Error("a state directory the kernel's alias cannot hold was marked")
	}

	dir := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{{dir, dir, true}, {dir, dir + "/", true}, {link, dir, true}, {dir, t.TempDir(), false}, {"/gone/a", "/gone/b", false}} {
		if got := sameInstallation(c.a, c.b); got != c.same {
			t.Errorf("sameInstallation(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

// The refusal names the other installation and what to do, and is
// ErrOtherInstallation.
func TestOtherInstallationError(t *testing.T) {
	var err error = &OtherInstallationError{Bridge: Hostonly, StateDir: "/srv/a"}
	if !errors.Is(err, ErrOtherInstallation) || !strings.Contains(err.Error(), "/srv/a") || !strings.Contains(err.Error(), "one installation per network namespace") {
		t.Errorf("%v", err)
	}
	err = &OtherInstallationError{Bridge: Hostonly, Ports: []string{"nh-a", "ni-a"}}
	if !errors.Is(err, ErrOtherInstallation) || !strings.Contains(err.Error(), "no installation's mark") || !strings.Contains(err.Error(), "nh-a, ni-a") {
		t.Errorf("%v", err)
	}
}

// packet is what the rules of a chain look at.
type packet struct {
	iif, oif, daddr string
	dnat            bool
}

// verdict is what chain does with p: its first matching rule's verdict, or
// its policy (accept).
func verdict(t *testing.T, chain Chain, p packet) Verdict {
	t.Helper()
	for _, r := range chain.Rules {
		match := true
		for _, m := range r.Matches {
			var ok bool
			switch m.Field {
			case InIfname, OutIfname:
				name := p.iif
				if m.Field == OutIfname {
					name = p.oif
				}
				prefix, isPrefix := strings.CutSuffix(m.Value, "*")
				ok = name == m.Value || isPrefix && strings.HasPrefix(name, prefix)
			case IPDaddr:
				pfx, err := m.prefixValue()
				ok = err == nil && p.daddr != "" && pfx.Contains(netip.MustParseAddr(p.daddr))
			case CtStatus:
				ok = p.dnat
			default:
				t.Fatalf("chain %s matches %s", chain.Name, m.Field)
			}
			if ok == m.Neg {
				match = false
			}
		}
		if match {
			return r.Verdict
		}
	}
	return Accept
}

func chainOf(t *testing.T, tables []Table, fam Family, name string) Chain {
	t.Helper()
	for _, tb := range tables {
		for _, ch := range tb.Chains {
			if tb.Family == fam && ch.Name == name {
				return ch
			}
		}
	}
	t.Fatalf("no chain %s %s", fam, name)
	return Chain{}
}

// TestHostonlyClosed reads the rules as the kernel would: whatever is
// routed into or out of brNC-hostonly, or handed to the host to be routed
// from it back into it, is dropped, unless the host's own DNAT sent it (a
// port forward); what is bridged between containers passes unless they are
// isolated, even when br_netfilter shows it to the forward chain.
func TestHostonlyClosed(t *testing.T) {
	for _, c := range []HostConfig{{}, {HostonlyIsolated: true}} {
		tables := Ruleset(c, "eth0", nil)
		forward := chainOf(t, tables, FamilyInet, "forward")
		for p, want := range map[packet]Verdict{
			{iif: Hostonly, oif: Internet}:             Drop,
			{iif: Hostonly, oif: "eth0"}:               Drop,
			{iif: Internet, oif: Hostonly}:             Drop,
			{iif: "eth0", oif: Hostonly}:               Drop,
			{iif: "eth0", oif: Hostonly, dnat: true}:   Accept, // a port forward
			{iif: Hostonly, oif: "eth0", dnat: true}:   Accept, // and its replies
			{iif: Internet, oif: "eth0"}:               Accept, // NAT containers' traffic
			{iif: "eth0", oif: Internet}:               Accept,
			{iif: Hostonly, oif: Hostonly}:             Accept, // bridged, seen through br_netfilter
			{iif: Hostonly, oif: Hostonly, dnat: true}: Accept,
		} {
			if got := verdict(t, forward, p); got != want {
				t.Errorf("isolated %v: forward %+v: %s, want %s", c.HostonlyIsolated, p, got, want)
			}
		}
		// Frames hostonly containers hand the host.
		input := chainOf(t, tables, FamilyBridge, "input")
		for p, want := range map[packet]Verdict{
			{iif: "nh-a", daddr: "10.101.0.3"}:     Drop, // to be routed to another container
			{iif: "nh-a", daddr: "10.101.0.1"}:     Accept,
			{iif: "nh-a", daddr: "10.101.255.255"}: Accept,
			{iif: "nh-a", daddr: "10.202.0.1"}:     Accept, // the host's other addresses
			{iif: "nh-a", daddr: "198.51.100.1"}:   Accept, // (a port forward, say)
			{iif: "ni-a", daddr: "10.101.0.3"}:     Accept, // the forward chain's
			{iif: "nb-a", daddr: "10.101.0.3"}:     Accept, // the user's own bridge
		} {
			if got := verdict(t, input, p); got != want {
				t.Errorf("isolated %v: bridge input %+v: %s, want %s", c.HostonlyIsolated, p, got, want)
			}
		}
	}
}

// sameRules tells the rules setup sends from any other list: one missing,
// one added, one changed.
func TestSameRules(t *testing.T) {
	batch, err := plan(Ruleset(HostConfig{HostonlyIsolated: true}, "eth0", nil))
	if err != nil {
		t.Fatal(err)
	}
	var fc plannedChain
	for _, pc := range batch[0].chains {
		if pc.chain.Name == "forward" {
			fc = pc
		}
	}
	var want [][]expr.Any
	for _, r := range fc.rules {
		want = append(want, r.Exprs)
	}
	asKernel := func(rules [][]expr.Any) []*nftables.Rule {
		var out []*nftables.Rule
		for _, r := range rules {
			out = append(out, &nftables.Rule{Exprs: r})
		}
		return out
	}
	fam := byte(batch[0].table.Family)
	if !sameRules(fam, asKernel(want), fc.rules) {
		t.Error("the same rules differ")
	}
	changed := append([][]expr.Any{}, want...)
	changed[2] = append([]expr.Any{}, want[2]...)
	changed[2][len(changed[2])-1] = &expr.Verdict{Kind: expr.VerdictAccept}
	for name, got := range map[string][][]expr.Any{
		"a rule missing": want[:len(want)-1],
		"a rule added":   append(append([][]expr.Any{}, want...), want[0]),
		"a verdict":      changed,
		"an expression":  append([][]expr.Any{want[0][:len(want[0])-1]}, want[1:]...),
	} {
		if sameRules(fam, asKernel(got), fc.rules) {
			t.Errorf("%s: the rules are the same", name)
		}
	}
	c := fc.chain
	other := *c
	policy := nftables.ChainPolicyDrop
	other.Policy = &policy
	if !sameChain(c, c) || sameChain(&other, c) {
		t.Error("sameChain")
	}
}

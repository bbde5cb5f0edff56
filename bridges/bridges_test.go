package bridges

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if c, err := ParseHostConfig([]byte(`{}`)); err != nil || c.IPv6.Enable || c.InternetInterface != "" {
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
		`{} {}`: "trailing",
	} {
		_, err := ParseHostConfig([]byte(js))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error mentioning %q", js, err, want)
		}
	}
}

func TestRulesetGolden(t *testing.T) {
	cases := map[string]struct {
		c    HostConfig
		inet string
	}{
		"default":   {HostConfig{}, "eth0"},
		"no-uplink": {HostConfig{}, ""},
		"isolated":  {HostConfig{HostonlyIsolated: true}, "enp0s3"},
	}
	for name, c := range cases {
		var b strings.Builder
		for _, tb := range Ruleset(c.c, c.inet) {
			b.WriteString(tb.String())
			for _, ch := range tb.Chains {
				for _, r := range ch.Rules {
					if _, err := compile(tb.Family, r); err != nil {
						t.Errorf("%s: %s does not compile: %v", name, r, err)
					}
				}
			}
		}
		path := filepath.Join("testdata", name+".nft")
		if *update {
			os.WriteFile(path, []byte(b.String()), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", name, b.String(), want)
		}
	}
}

func FuzzParseHostConfig(f *testing.F) {
	f.Add([]byte(`{"internetInterface":"eth0","ipv6":{"enable":true,"ipv6InternetInterfaceAddress":"2001:db8::1","ipv6Prefix":"2001:db8::","ipv6PrefixLength":64}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseHostConfig(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if len(c.InternetInterface) > 15 || strings.ContainsAny(c.InternetInterface, "/\n\x00 ") {
			t.Fatalf("accepted interface %q", c.InternetInterface)
		}
		for _, tb := range Ruleset(c, c.InternetInterface) {
			for _, ch := range tb.Chains {
				for _, r := range ch.Rules {
					if _, err := compile(tb.Family, r); err != nil {
						t.Fatalf("accepted config whose rules do not compile: %v", err)
					}
				}
			}
		}
		if c.IPv6.Enable {
			p, err := c.IPv6.PrefixValue()
			if err != nil || !p.Contains(c.IPv6.HostAddress()) {
				t.Fatalf("accepted IPv6 config %+v", c.IPv6)
			}
		}
	})
}

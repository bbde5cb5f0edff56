// Package bridges owns the host side of nixlxc's network: the bridges
// brNC-hostonly and brNC-internet with the host's addresses, the forwarding
// sysctls, and nixlxc's own nftables tables (IPv4 masquerade, forwarding
// policy, optional port isolation). It is the only package that uses netlink
// or nftables, and it never runs ip, brctl, iptables or nft.
//
// The host's settings (hostconfig.go) and the rules (rules.go) are pure
// values; setup and teardown (host.go) apply them.
package bridges

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/nixlxc/nixlxc/internal/inputfile"
	"github.com/nixlxc/nixlxc/spec"
)

// ErrInvalid marks a bad host setting.
var ErrInvalid = errors.New("invalid host config")

// nixlxc's bridges and their host addresses.
const (
	Hostonly = "brNC-hostonly"
	Internet = "brNC-internet"
)

var (
	HostonlySubnet = netip.MustParsePrefix("10.101.0.0/16")
	HostonlyHost   = netip.MustParseAddr("10.101.0.1")
	InternetSubnet = netip.MustParsePrefix("10.202.0.0/16")
	InternetHost   = netip.MustParseAddr("10.202.0.1")
)

// HostConfig is /etc/nixlxc/host.json, with nixcloud-container's option
// names. Every key is optional.
type HostConfig struct {
	// InternetInterface is where NATed traffic leaves the host. Empty: the
	// interface of the default IPv4 route.
	InternetInterface string `json:"internetInterface"`
	// HostonlyIsolated stops containers on brNC-hostonly from reaching each
	// other; they still reach the host.
	HostonlyIsolated bool       `json:"hostonlyIsolated"`
	IPv6             IPv6Config `json:"ipv6"`
	// TrustedOwners are host users (names or uids) trusted as root is
	// with the host paths containers mount: a directory on the way to a
	// bind mount's source may be theirs. Not the network's: it lives here
	// because host.json is read here (package container uses it).
	TrustedOwners []string `json:"trustedOwners"`
	// AllowPrivilegedForwards lets config files forward host ports below
	// 1024, which are system services' (ssh, DNS, mail): the admin's
	// choice, never a config file's. Package container uses it.
	AllowPrivilegedForwards bool `json:"allowPrivilegedForwards"`
	// BindMountSources are the host directories containers' bind mounts
	// may take their host paths from (absolute, clean); none by default:
	// only the admin decides what of the host containers see. Package
	// container enforces it.
	BindMountSources []string `json:"bindMountSources"`
}

// IPv6Config is the routed prefix containers with enableNat get addresses
// from. The upstream must route the prefix to the host.
type IPv6Config struct {
	Enable bool `json:"enable"`
	// InternetInterfaceAddress is the host's address on brNC-internet, in
	// the prefix: the containers' gateway.
	InternetInterfaceAddress string   `json:"ipv6InternetInterfaceAddress"`
	Prefix                   string   `json:"ipv6Prefix"`
	PrefixLength             int      `json:"ipv6PrefixLength"`
	NameServers              []string `json:"ipv6NameServers"`
}

// LoadHostConfig reads path; a missing file means every default.
func LoadHostConfig(path string) (HostConfig, error) {
	// host.json is the admin's file: a FIFO there must not hang nixlxc.
	data, err := inputfile.Read(path)
	if errors.Is(err, os.ErrNotExist) {
		return HostConfig{}, nil
	}
	if err != nil {
		return HostConfig{}, fmt.Errorf("%w %s: %v", ErrInvalid, path, err)
	}
	c, err := ParseHostConfig(data)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseHostConfig parses and checks the JSON text.
func ParseHostConfig(data []byte) (HostConfig, error) {
	var c HostConfig
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		return c, fmt.Errorf("%w: %s", ErrInvalid, msg)
	}
	if d.More() {
		return c, fmt.Errorf("%w: trailing data after the JSON object", ErrInvalid)
	}
	return c, c.Check()
}

// Check reports the first bad setting.
func (c HostConfig) Check() error {
	if c.InternetInterface != "" {
		if err := spec.CheckInterfaceName(c.InternetInterface); err != nil {
			return fmt.Errorf("%w: internetInterface: %v", ErrInvalid, err)
		}
		if strings.HasPrefix(c.InternetInterface, "brNC-") {
			return fmt.Errorf("%w: internetInterface %s is one of nixlxc's own bridges", ErrInvalid, c.InternetInterface)
		}
	}
	for _, u := range c.TrustedOwners {
		if !userPattern().MatchString(u) {
			return fmt.Errorf("%w: trustedOwners: %q is not a user name or uid", ErrInvalid, u)
		}
	}
	for _, d := range c.BindMountSources {
		if !strings.HasPrefix(d, "/") || path.Clean(d) != d {
			return fmt.Errorf("%w: bindMountSources: %q is not an absolute, clean path", ErrInvalid, d)
		}
	}
	v6 := c.IPv6
	for _, ns := range v6.NameServers {
		if _, err := netip.ParseAddr(ns); err != nil {
			return fmt.Errorf("%w: ipv6.ipv6NameServers: %q is not an IP address", ErrInvalid, ns)
		}
	}
	if !v6.Enable {
		return nil
	}
	prefix, err := v6.PrefixValue()
	if err != nil {
		return err
	}
	host, err := netip.ParseAddr(v6.InternetInterfaceAddress)
	if err != nil || !host.Is6() || host.Zone() != "" {
		return fmt.Errorf("%w: ipv6.ipv6InternetInterfaceAddress: %q is not an IPv6 address", ErrInvalid, v6.InternetInterfaceAddress)
	}
	if !prefix.Contains(host) {
		return fmt.Errorf("%w: ipv6.ipv6InternetInterfaceAddress %s is not in %s", ErrInvalid, host, prefix)
	}
	if host == prefix.Addr() {
		return fmt.Errorf("%w: ipv6.ipv6InternetInterfaceAddress %s is the prefix's own (subnet-router) address", ErrInvalid, host)
	}
	return nil
}

// userPattern is a user name as shadow's useradd takes it, or a uid.
// Compiled when first used, not at start-up: its bounded repetition makes
// the biggest regexp program of nixlxc's, which every command (run, start)
// paid for before main.
var userPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_.-]{0,31}\$?|[0-9]{1,10})$`)
})

// PrefixValue is the configured IPv6 prefix.
func (v IPv6Config) PrefixValue() (netip.Prefix, error) {
	a, err := netip.ParseAddr(v.Prefix)
	if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%w: ipv6.ipv6Prefix: %q is not an IPv6 prefix", ErrInvalid, v.Prefix)
	}
	if v.PrefixLength < 8 || v.PrefixLength > 120 {
		return netip.Prefix{}, fmt.Errorf("%w: ipv6.ipv6PrefixLength: %d is not between 8 and 120", ErrInvalid, v.PrefixLength)
	}
	p := netip.PrefixFrom(a, v.PrefixLength)
	if p.Masked().Addr() != a {
		return netip.Prefix{}, fmt.Errorf("%w: ipv6.ipv6Prefix %s has bits set beyond /%d (did you mean %s?)", ErrInvalid, a, v.PrefixLength, p.Masked())
	}
	return p, nil
}

// HostAddress is the host's IPv6 address on brNC-internet.
func (v IPv6Config) HostAddress() netip.Addr {
	a, _ := netip.ParseAddr(v.InternetInterfaceAddress)
	return a
}

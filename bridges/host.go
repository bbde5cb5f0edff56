package bridges

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
)

// Record is what setup changed on the host, so teardown can undo exactly
// that: the bridges it created and the sysctls it changed, with their
// values before.
type Record struct {
	Bridges []string          `json:"bridges,omitempty"`
	Sysctls map[string]string `json:"sysctls,omitempty"`
	// Config is the setup's settings, to tell whether they changed.
	Config HostConfig `json:"config"`
	// Inet is the interface NAT left through.
	Inet string `json:"inet"`
}

// Setup brings the host's side up for c: both bridges with their addresses
// and the mark of installation (its state directory), forwarding, nixlxc's
// nftables tables with the containers' port forwards. It is idempotent;
// prev is what an earlier setup recorded (nil: none). The caller has made
// sure no other installation's mark is there (Host.Setup).
func Setup(c HostConfig, prev *Record, forwards map[string][]Forward, installation string) (*Record, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	if _, err := mark(installation); err != nil {
		return nil, err
	}
	rec := &Record{Config: c, Sysctls: map[string]string{}}
	if prev != nil {
		rec.Bridges = append(rec.Bridges, prev.Bridges...)
		for k, v := range prev.Sysctls {
			rec.Sysctls[k] = v
		}
	}
	inet := c.InternetInterface
	if inet == "" {
		inet = DefaultRouteInterface()
	}
	rec.Inet = inet

	hostonly := []netip.Prefix{netip.PrefixFrom(HostonlyHost, HostonlySubnet.Bits())}
	internet := []netip.Prefix{netip.PrefixFrom(InternetHost, InternetSubnet.Bits())}
	if c.IPv6.Enable {
		internet = append(internet, netip.PrefixFrom(c.IPv6.HostAddress(), c.IPv6.PrefixLength))
	}
	for _, b := range []struct {
		name  string
		addrs []netip.Prefix
	}{{Hostonly, hostonly}, {Internet, internet}} {
		created, err := ensureBridge(b.name, b.addrs, installation)
		if created && !slices.Contains(rec.Bridges, b.name) {
			rec.Bridges = append(rec.Bridges, b.name)
		}
		if err != nil {
			return rec, err
		}
	}

	// ip_forward turns forwarding on for every interface; brNC-hostonly
	// then gets it turned off again, since nothing may be routed from it,
	// unless ports are forwarded (hostonlyForwarding).
	sysctls := []struct{ key, value string }{
		{"net/ipv4/ip_forward", "1"},
		{"net/ipv4/conf/" + Hostonly + "/forwarding", hostonlyForwarding(forwards)},
	}
	if c.IPv6.Enable {
		if inet != "" {
			// A router ignores router advertisements unless accept_ra is
			// 2: keep the host's own IPv6 configuration on its uplink.
			if v, err := readSysctl("net/ipv6/conf/" + inet + "/accept_ra"); err == nil && v == "1" {
				sysctls = append(sysctls, struct{ key, value string }{"net/ipv6/conf/" + inet + "/accept_ra", "2"})
			}
		}
		sysctls = append(sysctls,
			struct{ key, value string }{"net/ipv6/conf/all/forwarding", "1"},
			struct{ key, value string }{"net/ipv6/conf/" + Hostonly + "/forwarding", "0"})
	}
	// What an earlier setup changed and this one does not want (IPv6 turned
	// off, another uplink) goes back to its value from before.
	wanted := map[string]bool{}
	for _, s := range sysctls {
		wanted[s.key] = true
	}
	for key, old := range rec.Sysctls {
		if wanted[key] {
			continue
		}
		if err := writeSysctl(key, old); err != nil && !errors.Is(err, os.ErrNotExist) {
			return rec, err
		}
		delete(rec.Sysctls, key)
	}
	for _, s := range sysctls {
		old, err := readSysctl(s.key)
		if err != nil {
			return rec, err
		}
		if old == s.value {
			continue
		}
		if _, seen := rec.Sysctls[s.key]; !seen {
			rec.Sysctls[s.key] = old
		}
		if err := writeSysctl(s.key, s.value); err != nil {
			return rec, err
		}
	}
	if err := applyRuleset(Ruleset(c, inet, forwards)); err != nil {
		return rec, err
	}
	return rec, nil
}

// Ready reports whether installation's setup with settings c is in place,
// as rec recorded it: bridges up with its mark, every rule as setup makes
// it. It is the check before a start that sets the host's network up when
// it is not.
func Ready(c HostConfig, rec *Record, installation string) bool {
	if rec == nil || !sameConfig(rec.Config, c) {
		return false
	}
	if c.InternetInterface == "" && DefaultRouteInterface() != rec.Inet {
		return false
	}
	diff, err := Differences(rec, installation)
	return err == nil && len(diff) == 0
}

// Differences lists how the host's network differs from what the setup
// rec recorded makes: a bridge missing or without installation's mark, a
// table, chain or rule missing or changed (ruleDifferences). Nothing when
// rec is nil: no setup to compare with.
func Differences(rec *Record, installation string) ([]string, error) {
	if rec == nil {
		return nil, nil
	}
	var out []string
	for _, name := range []string{Hostonly, Internet} {
		l, err := netlink.LinkByName(name)
		switch {
		case err != nil || l.Type() != "bridge":
			out = append(out, "no bridge "+name)
		case ownerOf(l) == "" || !sameInstallation(ownerOf(l), installation):
			out = append(out, name+" without this installation's mark")
		}
	}
	rules, err := ruleDifferences(rec.Config, rec.Inet)
	return append(out, rules...), err
}

func sameConfig(a, b HostConfig) bool {
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

// Teardown undoes what installation's setup made: nixlxc's tables, its
// bridges (or its mark on those it found), and the sysctls it changed (back
// to their old values). Nothing else is touched. The caller has made sure
// no other installation's mark is there (Host.Teardown).
func Teardown(rec *Record, installation string) error {
	var errs []error
	if err := deleteRuleset(); err != nil {
		errs = append(errs, err)
	}
	// Bridges setup found already there (made by the host's own network
	// configuration) stay; without a record, nixlxc's names are nixlxc's.
	bridges := []string{Hostonly, Internet}
	if rec != nil {
		bridges = rec.Bridges
	}
	for _, b := range []string{Hostonly, Internet} {
		var err error
		if slices.Contains(bridges, b) {
			err = DeleteLink(b)
		} else {
			err = clearMark(b, installation)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if rec != nil {
		for k, v := range rec.Sysctls {
			// A per-interface sysctl of a deleted bridge went with it.
			if strings.Contains(k, "/brNC-") {
				continue
			}
			if err := writeSysctl(k, v); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Present reports what of nixlxc's host network exists: bridges and tables.
func Present() []string {
	var out []string
	for _, b := range []string{Hostonly, Internet} {
		if LinkExists(b) {
			out = append(out, "bridge "+b)
		}
	}
	if rulesetPresent() {
		out = append(out, "nftables table inet "+TableName)
	}
	return out
}

func readSysctl(key string) (string, error) {
	b, err := os.ReadFile(filepath.Join("/proc/sys", key))
	if err != nil {
		return "", fmt.Errorf("sysctl %s: %w", strings.ReplaceAll(key, "/", "."), err)
	}
	return strings.TrimSpace(string(b)), nil
}

func writeSysctl(key, value string) error {
	if err := os.WriteFile(filepath.Join("/proc/sys", key), []byte(value), 0o644); err != nil {
		return fmt.Errorf("sysctl %s=%s: %w", strings.ReplaceAll(key, "/", "."), value, err)
	}
	return nil
}

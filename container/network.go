package container

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/nixlxc/nixlxc/spec"
)

// Close releases the Manager's database.
func (m *Manager) Close() error { return m.net.close() }

func prefixes(ps []netip.Prefix) string {
	if len(ps) == 0 {
		return "none"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// Addresses are a container's leased addresses.
type Addresses struct {
	Hostonly *Interface `json:"hostonly,omitempty"`
	Internet *Interface `json:"internet,omitempty"`
}

// Interface is one of a container's interfaces.
type Interface struct {
	Bridge   string `json:"bridge"`
	HostVeth string `json:"hostVeth"`
	MAC      string `json:"mac"`
	IPv4     string `json:"ipv4,omitempty"` // with its prefix length
	IPv6     string `json:"ipv6,omitempty"`
	Gateway4 string `json:"gateway4,omitempty"`
	Gateway6 string `json:"gateway6,omitempty"`
}

func prefixString(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

// vethNames are the host veths a container's interfaces get.
func vethNames(name string) []string {
	return []string{bridges.HostonlyVethPrefix + name, bridges.BridgeVethPrefix + name, bridges.InternetVethPrefix + name}
}

// ShowIP returns the container's addresses.
func (m *Manager) ShowIP(ctx context.Context, name string) (Addresses, error) {
	if _, err := m.recs.load(name); err != nil {
		return Addresses{}, err
	}
	d, err := m.net.db()
	if err != nil {
		return Addresses{}, err
	}
	leases, err := d.Leases(ctx, name)
	if err != nil {
		return Addresses{}, err
	}
	return m.net.addresses(name, leases), nil
}

func buildRequest(name, file, ip string, s spec.Settings, nameservers []string, link string) nixsys.Build {
	return nixsys.Build{ConfigFile: file, Name: name, IP: ip, Settings: s, Nameservers: nameservers, OutLink: link}
}

// The host's side.

// HostSetup applies the host's network settings (host.json), idempotently.
func (m *Manager) HostSetup(ctx context.Context) error {
	c, err := m.net.hostConfig()
	if err != nil {
		return err
	}
	if err := m.net.vetRecordedForwards(ctx); err != nil {
		return err
	}
	rec, err := m.net.host.Setup(ctx, c)
	if err != nil {
		return err
	}
	inet := rec.Inet
	if inet == "" {
		inet = "(no default route: any interface but " + bridges.Internet + ")"
	}
	if c.InternetInterface != "" && !m.net.host.LinkExists(c.InternetInterface) {
		inet += " (which does not exist now)"
	}
	text := fmt.Sprintf("host network ready: %s %s, %s %s, NAT out of %s", bridges.Hostonly, bridges.HostonlyHost, bridges.Internet, bridges.InternetHost, inet)
	if c.IPv6.Enable {
		text += fmt.Sprintf(", IPv6 %s/%d", c.IPv6.Prefix, c.IPv6.PrefixLength)
	}
	if c.HostonlyIsolated {
		text += ", hostonly ports isolated"
	}
	m.emit(Progress, "", "%s", text)
	return nil
}

// HostTeardown removes what setup made. Running containers would lose their
// network, so they must be stopped first unless force.
func (m *Manager) HostTeardown(ctx context.Context, force bool) error {
	// Never another installation's network, even with force.
	if err := m.net.host.Foreign(); err != nil {
		return fmt.Errorf("tearing down the host's network: %w", err)
	}
	if !force {
		var running []string
		active := m.lxc.Active()
		names, _ := m.Names()
		for _, n := range names {
			if active[n] {
				running = append(running, n)
			}
		}
		if len(running) > 0 {
			return fmt.Errorf("%w: containers use the host network: %s (stop them, or nixlxc host teardown --force)", ErrRunning, strings.Join(running, ", "))
		}
		// Another installation's running containers, in this network
		// namespace, are on the same bridges.
		ports, err := m.net.host.PortsInUse()
		if err != nil {
			return err
		}
		if len(ports) > 0 {
			return fmt.Errorf("%w: running containers are on the bridges (host veths %s) (stop them, or nixlxc host teardown --force)", ErrRunning, strings.Join(ports, ", "))
		}
	}
	if err := m.net.host.Teardown(ctx); err != nil {
		return err
	}
	m.emit(Progress, "", "host network removed")
	return nil
}

package container

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/leases"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/nixlxc/nixlxc/spec"
)

// db opens the lease database once per Manager.
func (m *Manager) db() (*ipam.DB, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leases != nil {
		return m.leases, nil
	}
	d, err := ipam.Open(m.paths.dbPath())
	if err != nil {
		return nil, err
	}
	m.leases = d
	return d, nil
}

// Close releases the Manager's database.
func (m *Manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leases != nil {
		return m.leases.Close()
	}
	return nil
}

// hostonlySubnet is the subnet the container's hostonly address comes from:
// brNC-hostonly's, or the part of the user's bridge network.ip lies in.
func (m *Manager) hostonlySubnet(n spec.Network) (leases.Subnet, error) {
	if spec.IsNixlxcBridge(n.Bridge) {
		return leases.Subnet{Key: leases.PoolKey{Bridge: bridges.Hostonly, Prefix: bridges.HostonlySubnet}, Host: bridges.HostonlyHost}, nil
	}
	if n.Bridge == bridges.Internet {
		return leases.Subnet{}, fmt.Errorf("%w network.bridge: %s is nixlxc's NAT bridge; use enableNat = true", ErrInvalid, bridges.Internet)
	}
	static, err := spec.ParseStaticIP(n.IP)
	if err != nil {
		return leases.Subnet{}, err
	}
	addrs, err := bridges.BridgeIPv4(n.Bridge)
	if errors.Is(err, bridges.ErrNoBridge) {
		return leases.Subnet{}, fmt.Errorf("%w network.bridge: %v (create it on the host first)", ErrInvalid, err)
	}
	if err != nil {
		return leases.Subnet{}, err
	}
	for _, a := range addrs {
		if a.Contains(static.Addr) && (static.Bits == 0 || static.Bits == a.Bits()) {
			return leases.Subnet{Key: leases.PoolKey{Bridge: n.Bridge, Prefix: a.Masked()}, Host: a.Addr()}, nil
		}
	}
	if static.Bits != 0 {
		// The bridge carries no address of that subnet: nixlxc takes the
		// prefix the file gives and reserves nothing for the host.
		p := netip.PrefixFrom(static.Addr, static.Bits).Masked()
		return leases.Subnet{Key: leases.PoolKey{Bridge: n.Bridge, Prefix: p}}, nil
	}
	return leases.Subnet{}, fmt.Errorf("%w network.ip %s is in no subnet of bridge %s (its addresses: %s); give it with a prefix length, like %s/24",
		ErrInvalid, static.Addr, n.Bridge, prefixes(addrs), static.Addr)
}

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

// want is what the container's settings call for, on this host now.
func (m *Manager) want(name string, s spec.Settings) (leases.Want, error) {
	sub, err := m.hostonlySubnet(s.Network)
	if err != nil {
		return leases.Want{}, err
	}
	w := leases.Want{Container: name, Hostonly: sub, UserBridge: !spec.IsNixlxcBridge(s.Network.Bridge)}
	if s.Network.IP != "" {
		st, err := spec.ParseStaticIP(s.Network.IP)
		if err != nil {
			return w, err
		}
		if st.Bits != 0 && st.Bits != sub.Key.Prefix.Bits() {
			return w, fmt.Errorf("%w network.ip %s: the bridge's subnet is %s", ErrInvalid, s.Network.IP, sub.Key.Prefix)
		}
		w.Static = st.Addr
	}
	if !s.Network.EnableNat {
		return w, nil
	}
	w.Internet = &leases.Subnet{Key: leases.PoolKey{Bridge: bridges.Internet, Prefix: bridges.InternetSubnet}, Host: bridges.InternetHost}
	host, err := m.loadHostConfig()
	if err != nil {
		return w, err
	}
	if host.IPv6.Enable {
		prefix, _ := host.IPv6.PrefixValue()
		w.IPv6 = &leases.Subnet{Key: leases.PoolKey{Bridge: bridges.Internet, Prefix: prefix}, Host: host.IPv6.HostAddress()}
	}
	return w, nil
}

// leaseNetwork gives the container the addresses its settings ask for, and
// frees those it no longer needs, in one transaction. It returns the
// hostonly address (`ip` in modules) and the undo of the whole change.
func (m *Manager) leaseNetwork(ctx context.Context, rec *record, s spec.Settings) (string, func(), error) {
	noop := func() {}
	w, err := m.want(rec.Name, s)
	if err != nil {
		return "", noop, err
	}
	d, err := m.db()
	if err != nil {
		return "", noop, err
	}
	// Forgotten before and after: a crash in between must not leave a key
	// that says the config on disk matches leases that changed.
	m.recs.forgetRenderKey(rec.Name)
	var before []ipam.Lease
	var ip netip.Addr
	err = d.Update(ctx, func(tx *ipam.Tx) error {
		if before, err = tx.Leases(rec.Name); err != nil {
			return err
		}
		ip, err = leases.Take(tx, w)
		return err
	})
	if err != nil {
		return "", noop, err
	}
	// The leases may have changed: the next start renders the config anew.
	m.recs.forgetRenderKey(rec.Name)
	undo := func() {
		d.Update(context.Background(), func(tx *ipam.Tx) error { return tx.Replace(rec.Name, before) })
		m.recs.forgetRenderKey(rec.Name)
	}
	return ip.String(), undo, nil
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

// addresses turns leases into interfaces.
func (m *Manager) addresses(name string, ls []ipam.Lease) Addresses {
	var a Addresses
	host, _ := m.loadHostConfig()
	h, i := leases.Interfaces(ls)
	if h != nil {
		a.Hostonly = &Interface{Bridge: h.Bridge, MAC: h.MAC, IPv4: prefixString(h.IPv4), HostVeth: bridges.HostonlyVethPrefix + name}
		if h.Bridge != bridges.Hostonly {
			a.Hostonly.HostVeth = bridges.BridgeVethPrefix + name
		}
	}
	if i != nil {
		a.Internet = &Interface{Bridge: bridges.Internet, MAC: i.MAC, IPv4: prefixString(i.IPv4), IPv6: prefixString(i.IPv6),
			HostVeth: bridges.InternetVethPrefix + name, Gateway4: bridges.InternetHost.String()}
		if i.IPv6.IsValid() && host.IPv6.Enable {
			a.Internet.Gateway6 = host.IPv6.HostAddress().String()
		}
	}
	return a
}

func prefixString(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

// writeNetworkedConfig renders the container's config with the interfaces
// its leases give it.
func (m *Manager) writeNetworkedConfig(rec *record, s spec.Settings) error {
	nets, err := m.networksFromLeases(rec, s)
	if err != nil {
		return err
	}
	return m.writeConfig(m.lxcConfig(rec, s, nets))
}

// networksFromLeases is the container's interfaces for its LXC config.
func (m *Manager) networksFromLeases(rec *record, s spec.Settings) ([]lxcconf.Network, error) {
	d, err := m.db()
	if err != nil {
		return nil, err
	}
	leases, err := d.Leases(context.Background(), rec.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the leases of %s: %w", rec.Name, err)
	}
	a := m.addresses(rec.Name, leases)
	var nets []lxcconf.Network
	for _, pair := range []struct {
		name  string
		iface *Interface
	}{{"hostonly", a.Hostonly}, {"internet", a.Internet}} {
		i := pair.iface
		if i == nil || i.IPv4 == "" {
			continue
		}
		n := lxcconf.Network{Name: pair.name, Link: i.Bridge, HostVeth: i.HostVeth, HWAddr: i.MAC}
		n.IPv4, _ = netip.ParsePrefix(i.IPv4)
		if i.Gateway4 != "" {
			n.IPv4Gateway, _ = netip.ParseAddr(i.Gateway4)
		}
		if i.IPv6 != "" {
			n.IPv6, _ = netip.ParsePrefix(i.IPv6)
			n.IPv6Gateway, _ = netip.ParseAddr(i.Gateway6)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

// prepareNetwork gets the host ready for the container to start: the
// bridges and rules it needs, its leases (a host whose IPv6 prefix changed
// gives it a new address), no stale host veth with its names.
func (m *Manager) prepareNetwork(ctx context.Context, rec *record, s spec.Settings) ([]lxcconf.Network, error) {
	if spec.IsNixlxcBridge(s.Network.Bridge) || s.Network.EnableNat {
		if err := m.ensureHost(ctx); err != nil {
			return nil, err
		}
	}
	if !spec.IsNixlxcBridge(s.Network.Bridge) && !bridges.IsBridge(s.Network.Bridge) {
		return nil, fmt.Errorf("%w network.bridge: %s: %v (create it on the host first)", ErrInvalid, rec.Name, fmt.Errorf("%w: %s", bridges.ErrNoBridge, s.Network.Bridge))
	}
	// Usually the leases are all there: a read, not a write transaction.
	if ok, err := m.leasesMatch(ctx, rec, s); err != nil {
		return nil, err
	} else if !ok {
		if _, _, err := m.leaseNetwork(ctx, rec, s); err != nil {
			return nil, err
		}
	}
	if err := m.refuseVethsInUse(rec.Name); err != nil {
		return nil, err
	}
	if err := m.removeVeths(rec.Name); err != nil {
		return nil, err
	}
	return m.networksFromLeases(rec, s)
}

// leasesMatch reports whether the container holds exactly the leases its
// settings and the host's IPv6 prefix call for.
func (m *Manager) leasesMatch(ctx context.Context, rec *record, s spec.Settings) (bool, error) {
	d, err := m.db()
	if err != nil {
		return false, err
	}
	ls, err := d.Leases(ctx, rec.Name)
	if err != nil {
		return false, err
	}
	w, err := m.want(rec.Name, s)
	if err != nil {
		return false, err
	}
	return leases.Holds(ls, w), nil
}

// vethNames are the host veths a container's interfaces get.
func vethNames(name string) []string {
	return []string{bridges.HostonlyVethPrefix + name, bridges.BridgeVethPrefix + name, bridges.InternetVethPrefix + name}
}

// refuseVethsInUse fails when a running container, which cannot be one of
// this installation's stopped ones, uses the host veth names the container
// needs: another installation in this network namespace.
func (m *Manager) refuseVethsInUse(name string) error {
	for _, v := range vethNames(name) {
		inUse, err := bridges.VethInUse(v)
		if err != nil {
			return err
		}
		if inUse {
			return fmt.Errorf("%w: host interface %s belongs to a running container of another nixlxc installation in this network namespace (keep one installation per network namespace)", ErrExists, v)
		}
	}
	return nil
}

// removeVeths deletes host veths a killed container may have left; a
// running container's (another installation's) are never touched.
func (m *Manager) removeVeths(name string) error {
	for _, v := range vethNames(name) {
		if inUse, err := bridges.VethInUse(v); err != nil || inUse {
			continue
		}
		if err := bridges.DeleteLink(v); err != nil {
			return err
		}
	}
	return nil
}

// releaseNetwork frees everything the container leased (addresses, MACs,
// its id range) and removes its host veths.
func (m *Manager) releaseNetwork(name string) error {
	if err := m.releaseAll(context.Background(), name); err != nil {
		return err
	}
	return m.removeVeths(name)
}

// ShowIP returns the container's addresses.
func (m *Manager) ShowIP(ctx context.Context, name string) (Addresses, error) {
	if _, err := m.recs.load(name); err != nil {
		return Addresses{}, err
	}
	d, err := m.db()
	if err != nil {
		return Addresses{}, err
	}
	leases, err := d.Leases(ctx, name)
	if err != nil {
		return Addresses{}, err
	}
	return m.addresses(name, leases), nil
}

// allAddresses maps every container to its hostonly IPv4 and its IPv6
// address, in one query.
func (m *Manager) allAddresses() (map[string]leases.Addresses, error) {
	d, err := m.db()
	if err != nil {
		return nil, err
	}
	all, err := d.All(context.Background())
	if err != nil {
		return nil, err
	}
	return leases.ByContainer(all), nil
}

// nameservers are the resolvers a NAT container is told about.
func (m *Manager) nameservers(s spec.Settings) []string {
	host, err := m.loadHostConfig()
	if err != nil || !s.Network.EnableNat || !host.IPv6.Enable {
		return nil
	}
	return host.IPv6.NameServers
}

func buildRequest(name, file, ip string, s spec.Settings, nameservers []string, link string) nixsys.Build {
	return nixsys.Build{ConfigFile: file, Name: name, IP: ip, Settings: s, Nameservers: nameservers, OutLink: link}
}

// The host's side.

// loadHostConfig reads host.json once per Manager.
func (m *Manager) loadHostConfig() (bridges.HostConfig, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.host != nil {
		return *m.host, nil
	}
	c, err := m.paths.hostNet().Config()
	if err != nil {
		return c, err
	}
	m.host = &c
	return c, nil
}

// ensureHost sets the host's network up unless it already is.
func (m *Manager) ensureHost(ctx context.Context) error {
	c, err := m.loadHostConfig()
	if err != nil {
		return err
	}
	return m.paths.hostNet().Ensure(ctx, c)
}

// HostSetup applies the host's network settings (host.json), idempotently.
func (m *Manager) HostSetup(ctx context.Context) error {
	c, err := m.loadHostConfig()
	if err != nil {
		return err
	}
	rec, err := m.paths.hostNet().Setup(ctx, c)
	if err != nil {
		return err
	}
	inet := rec.Inet
	if inet == "" {
		inet = "(no default route: any interface but " + bridges.Internet + ")"
	}
	if c.InternetInterface != "" && !bridges.LinkExists(c.InternetInterface) {
		inet += " (which does not exist now)"
	}
	m.printf("host network ready: %s %s, %s %s, NAT out of %s", bridges.Hostonly, bridges.HostonlyHost, bridges.Internet, bridges.InternetHost, inet)
	if c.IPv6.Enable {
		m.printf(", IPv6 %s/%d", c.IPv6.Prefix, c.IPv6.PrefixLength)
	}
	if c.HostonlyIsolated {
		m.printf(", hostonly ports isolated")
	}
	m.printf("\n")
	return nil
}

// HostTeardown removes what setup made. Running containers would lose their
// network, so they must be stopped first unless force.
func (m *Manager) HostTeardown(ctx context.Context, force bool) error {
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
			return fmt.Errorf("%w: containers use the host network: %s (stop them, or teardown --force)", ErrRunning, strings.Join(running, ", "))
		}
		// Another installation's running containers, in this network
		// namespace, are on the same bridges.
		ports, err := bridges.PortsInUse()
		if err != nil {
			return err
		}
		if len(ports) > 0 {
			return fmt.Errorf("%w: running containers are on the bridges (host veths %s) (stop them, or teardown --force)", ErrRunning, strings.Join(ports, ", "))
		}
	}
	if err := m.paths.hostNet().Teardown(ctx); err != nil {
		return err
	}
	m.printf("host network removed\n")
	return nil
}

package container

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/spec"
)

// Exists reports whether name is a container.
func (m *Manager) Exists(name string) bool {
	return spec.CheckName(name) == nil && m.recs.exists(name)
}

// State returns the container's LXC state (RUNNING, STOPPED, ...).
func (m *Manager) State(ctx context.Context, name string) (string, error) {
	// A container whose record is unreadable still has a state.
	if _, err := m.recs.load(name); err != nil && !errors.Is(err, ErrCorrupt) {
		return "", err
	}
	return m.lxc.State(name)
}

// Info is one row of list.
type Info struct {
	Name       string         `json:"name"`
	State      string         `json:"state"`
	IPv4       string         `json:"ipv4,omitempty"`
	IPv6       string         `json:"ipv6,omitempty"`
	Generation int            `json:"generation"`
	Autostart  spec.Autostart `json:"autostart"`
	System     string         `json:"system,omitempty"`
	// IDMapBase is the host uid (and gid) the container's root maps to.
	IDMapBase  uint32 `json:"idmapBase"`
	Destroying bool   `json:"destroying,omitempty"`
	// Interfaces are what ShowIP returns, NAT address included.
	Interfaces Addresses `json:"interfaces"`
}

// Names returns every container's name, sorted.
func (m *Manager) Names() ([]string, error) { return m.recs.names() }

// List describes every container.
func (m *Manager) List(ctx context.Context) ([]Info, error) {
	names, err := m.Names()
	if err != nil {
		return nil, err
	}
	active := m.lxc.Active()
	addrs, leaseErr := m.net.allAddresses()
	infos := make([]Info, 0, len(names))
	for _, name := range names {
		info := Info{Name: name, State: lxcapi.Stopped}
		if active[name] {
			info.State = lxcapi.Running
		}
		if rec, err := m.recs.load(name); err == nil {
			info.Autostart = m.recs.autostartOf(rec)
			info.IDMapBase = rec.IDMapBase
			info.Destroying = rec.Destroying
		}
		if gens, err := m.paths.profile(name).List(); err == nil {
			if g, ok := generations.CurrentOf(gens); ok {
				info.Generation = g.Number
				info.System = g.Path
			}
		}
		if a, ok := addrs[name]; ok {
			info.Interfaces = a
			if a.Hostonly != nil {
				info.IPv4 = addrOf(a.Hostonly.IPv4)
			}
			if a.Internet != nil {
				info.IPv6 = addrOf(a.Internet.IPv6)
			}
		}
		infos = append(infos, info)
	}
	if leaseErr != nil {
		// The rows are right but for their addresses: show them, and fail.
		return infos, fmt.Errorf("addresses not shown: %w", leaseErr)
	}
	return infos, nil
}

// addrOf is the address of a prefix ("10.101.0.2/16" gives 10.101.0.2).
func addrOf(prefix string) string {
	addr, _, _ := strings.Cut(prefix, "/")
	return addr
}

package container

import (
	"context"

	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/nixlxc/nixlxc/spec"
)

// prepareNetwork returns the container's interfaces for its LXC config.
func (m *Manager) prepareNetwork(ctx context.Context, rec *record, s spec.Settings) ([]lxcconf.Network, error) {
	return nil, nil
}

// releaseNetwork frees the container's addresses.
func (m *Manager) releaseNetwork(name string) error { return nil }

type addresses struct{ v4, v6 string }

func (m *Manager) allAddresses() map[string]addresses { return nil }

func buildRequest(name, file, ip string, s spec.Settings, link string) nixsys.Build {
	return nixsys.Build{ConfigFile: file, Name: name, IP: ip, Settings: s, OutLink: link}
}

// leaseNetwork leases the addresses settings ask for and returns the
// hostonly address (`ip` in modules) and how to undo the leases.
func (m *Manager) leaseNetwork(ctx context.Context, rec *record, s spec.Settings) (string, func(), error) {
	return "", func() {}, nil
}

// networksFromLeases is the container's interfaces from its leases.
func (m *Manager) networksFromLeases(rec *record, s spec.Settings) []lxcconf.Network {
	return nil
}

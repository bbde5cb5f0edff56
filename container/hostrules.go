package container

import (
	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/spec"
)

// hostRulesGone reports, with one netlink query, that nixlxc's nftables
// tables are missing while the container needs them. A start whose LXC
// config is still right would otherwise not look at the host's network
// (LXC fails only without the bridges) and start the container without
// NAT and isolation: after NixOS reloads its firewall with flushRuleset,
// or anything else flushes the ruleset.
func (m *Manager) hostRulesGone(s spec.Settings) bool {
	if !spec.IsNixlxcBridge(s.Network.Bridge) && !s.Network.EnableNat {
		return false
	}
	c, err := m.loadHostConfig()
	if err != nil {
		return true // the slow path reports it
	}
	return !bridges.RulesPresent(c)
}

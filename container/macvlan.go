package container

import (
	"crypto/sha256"
	"fmt"
	"net"

	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
)

// A container's macvlans (nixos-container's `macvlans`) put it straight on
// a host interface's network, past nixlxc's bridges and firewall: LXC
// makes a macvlan in bridge mode on the parent for each, named mv-PARENT
// inside as systemd-nspawn names them; the container's own configuration
// addresses it (DHCP or static).

// macvlanNetworks are the container's macvlans for its LXC config.
func (nw *network) macvlanNetworks(name string, s spec.Settings) []lxcconf.Network {
	var out []lxcconf.Network
	id, _ := nw.recs.installationID()
	for _, parent := range s.Macvlans {
		out = append(out, lxcconf.Network{Macvlan: true, Name: spec.MacvlanName(parent), Link: parent, HWAddr: macvlanMAC(id, name, parent)})
	}
	return out
}

// macvlanMAC is the MAC address of a container's macvlan: the same at
// every start (a DHCP server or a neighbour's cache knows it again),
// derived from the installation, the container and the parent,
// locally administered and unicast.
func macvlanMAC(installation, name, parent string) string {
	sum := sha256.Sum256([]byte(installation + "\x00" + name + "\x00" + parent))
	sum[0] = sum[0]&0xfc | 0x02
	return net.HardwareAddr(sum[:6]).String()
}

// checkMacvlans refuses parents that are not there now: at create and
// update, and before a start renders its config.
func (nw *network) checkMacvlans(s spec.Settings) error {
	for _, parent := range s.Macvlans {
		if !nw.host.LinkExists(parent) {
			return fmt.Errorf("%w macvlans: there is no host interface %s", ErrInvalid, parent)
		}
	}
	return nil
}

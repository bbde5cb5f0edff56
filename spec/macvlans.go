package spec

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Host interface name prefixes nixlxc makes for containers (package bridges
// has the same; spec cannot import it).
var nixlxcVethPrefixes = []string{"nh-", "nb-", "ni-"}

// MacvlanName is the interface a macvlan on parent gets inside the
// container: "mv-" and the parent's name, as systemd-nspawn names the
// macvlans of nixos-container's `macvlans`, cut to the kernel's 15
// characters.
func MacvlanName(parent string) string {
	name := "mv-" + parent
	if len(name) > 15 {
		name = name[:15]
	}
	return name
}

// parseMacvlans reads `macvlans = [ "eth1" ];`: host interfaces, each the
// parent of a macvlan the container gets.
func parseMacvlans(raw json.RawMessage) ([]string, error) {
	if !isSet(raw) {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%w macvlans: must be a list of host interface names, like [ \"eth1\" ]", ErrInvalid)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, checkMacvlans(list)
}

// checkMacvlans checks the parents' names. A macvlan bypasses nixlxc's
// bridges and firewall: its parent is a host interface of the user's, never
// one of nixlxc's own bridges or veths.
func checkMacvlans(parents []string) error {
	inside := map[string]string{}
	for _, p := range parents {
		if err := CheckInterfaceName(p); err != nil {
			return fmt.Errorf("%w macvlans: %v", ErrInvalid, err)
		}
		if p == HostonlyBridge || p == InternetBridge {
			return fmt.Errorf("%w macvlans: %s is nixlxc's own bridge; a macvlan takes a host interface of yours (use network settings for nixlxc's bridges)", ErrInvalid, p)
		}
		for _, prefix := range nixlxcVethPrefixes {
			if strings.HasPrefix(p, prefix) {
				return fmt.Errorf("%w macvlans: %s is named like nixlxc's containers' veths (%s...); a macvlan takes a host interface of yours", ErrInvalid, p, prefix)
			}
		}
		if p == "lo" {
			return fmt.Errorf("%w macvlans: lo cannot carry a macvlan", ErrInvalid)
		}
		name := MacvlanName(p)
		if other, ok := inside[name]; ok {
			if other == p {
				return fmt.Errorf("%w macvlans: %s is listed twice", ErrInvalid, p)
			}
			return fmt.Errorf("%w macvlans: %s and %s would both be %s inside (names are cut to 15 characters)", ErrInvalid, other, p, name)
		}
		inside[name] = p
	}
	return nil
}

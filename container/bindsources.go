package container

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/nixlxc/nixlxc/internal/hostpath"
)

// Which host paths containers see is the admin's decision, as in Incus
// (restricted.devices.disk.paths): a config file's author, who shapes her
// own container, names a host path, and host.json's bindMountSources must
// hold a directory it resolves into. Without that, whoever writes a config
// file would be host root: bindMounts are id-mapped, so /etc read-only
// shows /etc/shadow to the container's root, and /root read-write lets it
// write /root/.bashrc as host root. The default is no directory at all:
// every guess (/srv, /mnt, /media) holds something a host trusts on some
// host (the web root its nginx serves, the system nixos-install is
// building in /mnt, a user's disk in /media).

// bindSources are host.json's bindMountSources, each resolved the way a
// source in it is (hostTrust's): an entry another user could redirect
// (her symlink /srv -> /etc) would move the allowlist with it. An entry
// that does not exist allows nothing yet.
func (g *guard) bindSources(trust *hostTrust) ([]string, error) {
	c, err := g.m.net.hostConfig()
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, d := range c.BindMountSources {
		r, err := trust.resolve(d, hostpath.Target)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w %s: bindMountSources: %v", ErrInvalid, trust.config, err)
		}
		dirs = append(dirs, r)
	}
	return dirs, nil
}

// notAllowed refuses a bind source outside every allowed directory,
// saying exactly what the admin would write to allow it.
func notAllowed(source, resolved string, allowed []string, config string) error {
	what := "the host path " + source
	if resolved != source {
		what += " resolves to " + resolved + ", which"
	}
	lists := "lists none"
	if len(allowed) > 0 {
		lists = "lists " + strings.Join(allowed, ", ")
	}
	list := make([]string, 0, len(allowed)+1)
	for _, d := range append(append([]string{}, allowed...), resolved) {
		list = append(list, strconv.Quote(d))
	}
	return fmt.Errorf("%s is outside host.json's bindMountSources (%s %s): only the host's admin gives containers host paths; to allow it, add %q or a directory above it to bindMountSources there ({\"bindMountSources\": [%s]}; on NixOS: services.nixlxc.bindMountSources)",
		what, config, lists, resolved, strings.Join(list, ", "))
}

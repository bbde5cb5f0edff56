package lxcapi

import (
	"sort"
	"strings"

	lxc "github.com/lxc/go-lxc"
	"github.com/nixlxc/nixlxc/lxcconf"
)

// A read-only bind mount that liblxc makes inside the container's mount
// namespace belongs to the container's user namespace: its root can
// remount it read-write (mount -o remount,bind,rw). Without an id map,
// host root's files behind it still show as nobody's, but an idmapped one
// (bindMounts, and whatever idmap=container line) shows them as root's,
// and the container would write the host's files as host root. The kernel
// locks the read-only flag of the mounts a less privileged mount namespace
// inherits, and of the mounts bound from them. So liblxc starts the
// container from a mount namespace of its own in which every read-only
// source is a read-only mount already: the container's namespace inherits
// them locked, and its bind mounts of them stay read-only for good. The
// namespace is the helper's and liblxc's monitor's (a fork of the helper),
// never the host's: nothing is mounted on the host.

// bindSource is a host path that bind mounts of the config take.
type bindSource struct {
	path      string
	recursive bool
	readOnly  bool // every mount of it is read-only
}

// bindSources reads the bind mounts of the loaded config.
func bindSources(c *lxc.Container) []bindSource {
	byPath := map[string]*bindSource{}
	var order []string
	for _, v := range c.ConfigItem("lxc.mount.entry") {
		e, err := lxcconf.ParseMountEntry(v)
		if err != nil || !e.Bind() || e.HasOption("relative") {
			continue
		}
		b, ok := byPath[e.Source]
		if !ok {
			b = &bindSource{path: e.Source, readOnly: true}
			byPath[e.Source] = b
			order = append(order, e.Source)
		}
		b.recursive = b.recursive || e.HasOption("rbind")
		b.readOnly = b.readOnly && e.ReadOnly()
	}
	// Parents first: a read-only source inside another needs nothing more.
	sort.Slice(order, func(i, j int) bool { return strings.Count(order[i], "/") < strings.Count(order[j], "/") })
	var bs []bindSource
	for _, p := range order {
		bs = append(bs, *byPath[p])
	}
	return bs
}

// lockedSources are the helper's arguments for the read-only sources:
// "r:PATH" (rbind) or "b:PATH" (bind), parents first. The helper starts the
// container from a mount namespace of its own in which each is mounted
// over itself, read-only; a source inside one done already is left alone,
// as it is read-only with it. (A source below another mount fails liblxc's
// non-recursive bind in a user namespace, which is why nixlxc refuses
// read-only and read-write sources inside each other, and why read-write
// ones stay as they are.) None: the container needs no namespace.
func lockedSources(sources []bindSource) []string {
	var args []string
	for _, s := range sources {
		if !s.readOnly {
			continue
		}
		kind := "b:"
		if s.recursive {
			kind = "r:"
		}
		args = append(args, kind+s.path)
	}
	return args
}

package container

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nixlxc/nixlxc/internal/hostpath"
	"github.com/nixlxc/nixlxc/internal/inputfile"
	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
	"golang.org/x/sys/unix"
)

// A container file shapes its own container but never widens the boundary.
// lxcconf checks the form of what a file asks for; here, where the
// installation's directories and the host are known, every host path a
// mount takes is checked, on the path as written and as it resolves now:
// at create and update (before anything is written), and again at every
// start and switch (a symlink on the way may have changed since). It is
// resolved as liblxc will, and only if no one but root (and the users
// host.json trusts like root) could change what it resolves to before
// liblxc mounts it (hostpaths.go).

// guard keeps a container inside its boundary: the host paths its
// settings mount (bindMounts, extra LXC config) and the mount targets in
// its root are checked at create, update, switch and every start.
type guard struct {
	m *Manager
}

func (m *Manager) guard() *guard { return &guard{m: m} }

// boundary is what this installation's containers may not mount.
func (g *guard) boundary(name string) lxcconf.Boundary {
	b := lxcconf.Boundary{
		Protected: []lxcconf.ProtectedDir{
			{Path: g.m.paths.stateDir, What: "nixlxc's state directory (every container's files)"},
			{Path: g.m.paths.profileDir, What: "the containers' Nix profiles"},
			{Path: "/nix/var/nix", What: "Nix's database, profiles and GC roots"},
			{Path: lxcapi.DefaultPath(), What: "LXC's own containers"},
			{Path: "/var/lib/nixos-containers", What: "nixos-container's containers"},
			{Path: "/var/lib/machines", What: "systemd-nspawn's containers"},
		},
	}
	for _, mnt := range g.m.cfg.ownMounts(name) {
		if mnt.FSType == "" || mnt.FSType == "none" {
			b.Own = append(b.Own, mnt.Target)
		}
	}
	return b
}

// hostMount is a bind mount a container file asks for.
type hostMount struct {
	what     string // for errors: `bindMounts."/data"`, `lxcExtraConfig line ...`
	source   string
	target   string // relative to the rootfs
	readOnly bool
}

func hostMounts(s spec.Settings) []hostMount {
	var ms []hostMount
	for _, b := range s.BindMounts {
		ms = append(ms, hostMount{
			what:     fmt.Sprintf("bindMounts.%q", b.MountPoint),
			source:   b.HostPath,
			target:   strings.TrimPrefix(b.MountPoint, "/"),
			readOnly: b.ReadOnly,
		})
	}
	for _, it := range s.Extra() {
		if it.Key != "lxc.mount.entry" {
			continue
		}
		e, err := lxcconf.ParseMountEntry(it.Value)
		if err != nil || !e.Bind() {
			continue
		}
		ms = append(ms, hostMount{
			what:     "lxcExtraConfig: " + it.String(),
			source:   e.Source,
			target:   e.Target,
			readOnly: e.ReadOnly(),
		})
	}
	return ms
}

// checkSettings checks what a container file asks of the host: every host
// path its mounts take, and every extra LXC line against liblxc itself.
func (g *guard) checkSettings(name string, s spec.Settings) error {
	for _, it := range s.Extra() {
		if err := g.m.lxc.CheckConfigItem(it.Key, it.Value); err != nil {
			return fmt.Errorf("%w lxcExtraConfig: %s: liblxc refuses it (%v)", ErrInvalid, it, err)
		}
	}
	b := g.boundary(name)
	for _, it := range s.Extra() {
		if e, err := lxcconf.ParseMountEntry(it.Value); err == nil && it.Key == "lxc.mount.entry" {
			if err := b.CheckTarget(e.Target); err != nil {
				return fmt.Errorf("%w lxcExtraConfig: %s: %v", ErrInvalid, it, err)
			}
		}
	}
	mounts := hostMounts(s)
	if len(mounts) == 0 {
		return nil
	}
	writable, err := g.writableSources(name)
	if err != nil {
		return err
	}
	for _, hm := range mounts {
		if !hm.readOnly {
			writable[hm.source] = name + " itself"
			if r, err := filepath.EvalSymlinks(hm.source); err == nil {
				writable[r] = name + " itself"
			}
		}
	}
	trust := g.m.hostTrust()
	if b.Allowed, err = g.bindSources(trust); err != nil {
		return err
	}
	for _, hm := range mounts {
		if err := checkHostMount(b, hm, writable, trust); err != nil {
			return fmt.Errorf("%w %s: %v", ErrInvalid, hm.what, err)
		}
	}
	return checkNesting(append(g.ownBinds(name), mounts...))
}

// ownBinds are nixlxc's own bind mounts, as hostMounts.
func (g *guard) ownBinds(name string) []hostMount {
	var ms []hostMount
	for _, mnt := range g.m.cfg.ownMounts(name) {
		opts := strings.Split(mnt.Options, ",")
		if slices.Contains(opts, "bind") {
			ms = append(ms, hostMount{what: "nixlxc's mount of " + mnt.Source, source: mnt.Source, target: mnt.Target, readOnly: slices.Contains(opts, "ro")})
		}
	}
	return ms
}

// checkNesting refuses a read-only and a read-write source inside each
// other: nixlxc makes read-only sources read-only mounts to start the
// container from (see lxcapi), and liblxc cannot bind a directory that has
// another mount below it into an unprivileged container.
func checkNesting(ms []hostMount) error {
	resolved := make([]string, len(ms))
	for i, hm := range ms {
		resolved[i] = hm.source
		if r, err := filepath.EvalSymlinks(hm.source); err == nil {
			resolved[i] = r
		}
	}
	for i, a := range ms {
		for j, b := range ms {
			if a.readOnly && !b.readOnly && (strings.HasPrefix(resolved[j], resolved[i]+"/") || strings.HasPrefix(resolved[i], resolved[j]+"/")) {
				inner, outer := b, a
				if strings.HasPrefix(resolved[i], resolved[j]+"/") {
					inner, outer = a, b
				}
				return fmt.Errorf("%w %s: the host path %s is inside %s, which is mounted %s: a read-only and a read-write bind mount cannot be inside each other", ErrInvalid, inner.what, inner.source, outer.source, rwWord(outer.readOnly))
			}
		}
	}
	return nil
}

func rwWord(readOnly bool) string {
	if readOnly {
		return "read-only"
	}
	return "read-write"
}

// checkHostMount checks a mount's target and its host path, which trust
// resolves (refusing a path another user could redirect): the path must
// resolve into a directory host.json allows (b.Allowed).
func checkHostMount(b lxcconf.Boundary, hm hostMount, writable map[string]string, trust *hostTrust) error {
	if err := b.CheckTarget(hm.target); err != nil {
		return err
	}
	if err := b.CheckSource(hm.source, hm.readOnly); err != nil {
		return err
	}
	resolved, err := trust.resolve(hm.source, hostpath.Target)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("the host path %s does not exist", hm.source)
	}
	if err != nil {
		return err
	}
	if resolved != hm.source {
		if err := b.CheckSource(resolved, hm.readOnly); err != nil {
			return fmt.Errorf("%s resolves to %s: %v", hm.source, resolved, err)
		}
	}
	if !b.Allows(resolved, hm.readOnly) {
		return notAllowed(hm.source, resolved, b.Allowed, trust.config)
	}
	st, err := os.Stat(resolved)
	if err != nil {
		return err
	}
	if !st.IsDir() && !st.Mode().IsRegular() {
		return fmt.Errorf("the host path %s is a %s: only directories and regular files can be bound", hm.source, inputfile.Kind(st.Mode()))
	}
	// A container that writes a directory on the way to the source could
	// swap what is below it for a symlink before the next start, as host
	// root through an idmapped mount: no owner would tell. (A directory one
	// of the containers' ids owns, resolve refuses.)
	for _, p := range []string{hm.source, resolved} {
		for dir, holder := range writable {
			if p != dir && strings.HasPrefix(p, dir+"/") {
				return fmt.Errorf("the host path %s is inside %s, which %s writes", p, dir, holder)
			}
		}
	}
	return nil
}

func inRanges(id int64, ranges []ipam.SubIDRange) bool {
	for _, r := range ranges {
		if id >= r.Start && id < r.Start+r.Count {
			return true
		}
	}
	return false
}

// writableSources are the host paths the other containers of this
// installation mount read-write, as written and as resolved, each with who
// writes it.
func (g *guard) writableSources(except string) (map[string]string, error) {
	names, err := g.m.Names()
	if err != nil {
		return nil, err
	}
	w := map[string]string{}
	for _, name := range names {
		if name == except {
			continue
		}
		rec, err := g.m.recs.load(name)
		if err != nil {
			continue
		}
		s := rec.Settings
		if system, err := g.m.recs.currentSystem(name); err == nil {
			s = generationSettings(system, s)
		}
		for _, hm := range hostMounts(s) {
			if hm.readOnly {
				continue
			}
			w[hm.source] = "container " + name
			if r, err := filepath.EvalSymlinks(hm.source); err == nil {
				w[r] = "container " + name
			}
		}
	}
	return w, nil
}

// checkTargets refuses to start a container whose root has a symlink where
// a mount goes. liblxc creates missing mount points (create=dir) following
// the symlinks in the path, as the container's root but with the host's
// file system in view: a container that made /nix a link to /tmp would have
// its next start create directories in the host's /tmp. A stopped container
// cannot change its root, so what is checked here is what liblxc finds.
func (g *guard) checkTargets(name string, s spec.Settings) error {
	var targets []string
	for _, mnt := range g.m.cfg.ownMounts(name) {
		targets = append(targets, mnt.Target)
	}
	for _, b := range s.BindMounts {
		targets = append(targets, strings.TrimPrefix(b.MountPoint, "/"))
	}
	for _, it := range s.Extra() {
		if e, err := lxcconf.ParseMountEntry(it.Value); err == nil && it.Key == "lxc.mount.entry" {
			targets = append(targets, e.Target)
		}
	}
	root, err := unix.Open(g.m.paths.rootfs(name), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("opening the root of %s: %w", name, err)
	}
	defer unix.Close(root)
	for _, t := range targets {
		parts := strings.Split(t, "/")
		for i := range parts {
			p := strings.Join(parts[:i+1], "/")
			fd, err := unix.Openat2(root, p, &unix.OpenHow{
				Flags:   unix.O_PATH | unix.O_CLOEXEC,
				Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
			})
			if err == unix.ENOENT {
				break // liblxc creates the rest inside what was checked
			}
			if err == unix.ELOOP {
				return fmt.Errorf("%s's /%s is a symlink where a mount goes (/%s): a mount point must be a directory in its own root; remove the link (%s)", name, p, t, filepath.Join(g.m.paths.rootfs(name), p))
			}
			if err != nil {
				return fmt.Errorf("%s's /%s, where a mount goes: %w", name, p, err)
			}
			unix.Close(fd)
		}
	}
	return nil
}

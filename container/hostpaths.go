package container

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"sync"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/internal/hostpath"
	"github.com/nixlxc/nixlxc/ipam"
)

// liblxc mounts a bind source by its path, from the container's first
// process, following every symlink on the way (open_tree for an idmapped
// mount, mount(2) otherwise), long after nixlxc checked it and with nothing
// of nixlxc's to hold it by: the process is in the container's user
// namespace, has closed every descriptor it inherited (its /proc/self/fd/N
// is one of liblxc's), and may not open /proc/PID/fd/N of nixlxc's (tried
// with liblxc 5.0.2: "Permission denied", idmapped or not), so no
// descriptor of the checked directory can stand in for the path. What makes the check hold until the mount is
// who can change the path: only root and the users host.json trusts like
// root, whose directories are the only ones on the way (see
// internal/hostpath). The same holds for nixlxc's own directories, which
// root writes and liblxc mounts: the state and profile directories.

// hostTrust is who may control the host paths nixlxc mounts and writes:
// root, the user nixlxc runs as, and host.json's trustedOwners (read only
// when a directory of another user is met), never a container's ids.
type hostTrust struct {
	self   uint32
	subIDs func() ([]ipam.SubIDRange, error) // root's subordinate uids: containers'
	owners func() ([]string, error)          // host.json's trustedOwners
	lookup func(name string) (uint32, error)
	fs     hostpath.FS
	config string // host.json, for errors

	once   sync.Once
	ranges []ipam.SubIDRange
	uids   map[uint32]bool
	err    error
}

func (m *Manager) hostTrust() *hostTrust {
	return &hostTrust{
		self: uint32(os.Geteuid()),
		subIDs: func() ([]ipam.SubIDRange, error) {
			uids, _, err := readSubIDs()
			return uids, err
		},
		owners: func() ([]string, error) {
			c, err := m.net.hostConfig()
			return c.TrustedOwners, err
		},
		lookup: lookupUser,
		fs:     &hostpath.Host{},
		config: m.paths.hostConfig,
	}
}

func lookupUser(name string) (uint32, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseUint(u.Uid, 10, 32)
	return uint32(id), err
}

func (ht *hostTrust) trusted(uid uint32) (bool, error) {
	if uid == 0 {
		return true, nil
	}
	ht.once.Do(ht.load)
	if ht.err != nil {
		return false, ht.err
	}
	if inRanges(int64(uid), ht.ranges) {
		return false, nil
	}
	return uid == ht.self || ht.uids[uid], nil
}

// load reads, once and only when a user other than root owns something on
// the way, whom to trust besides root.
func (ht *hostTrust) load() {
	if ht.ranges, ht.err = ht.subIDs(); ht.err != nil {
		return
	}
	names, err := ht.owners()
	if err != nil {
		ht.err = err
		return
	}
	// The file that says whom to trust must be out of their hands.
	if len(names) > 0 {
		onlyRoot := func(uid uint32) (bool, error) { return uid == 0 || uid == ht.self, nil }
		if _, err := hostpath.Resolve(ht.fs, ht.config, onlyRoot, hostpath.Owned); err != nil {
			ht.err = fmt.Errorf("%w: %s names trustedOwners, but %v: it must be root's all the way", bridges.ErrInvalid, ht.config, err)
			return
		}
	}
	ht.uids = map[uint32]bool{}
	for _, n := range names {
		id, err := strconv.ParseUint(n, 10, 32)
		if err != nil {
			uid, err := ht.lookup(n)
			if err != nil {
				ht.err = fmt.Errorf("%w: %s: trustedOwners: no user %q", bridges.ErrInvalid, ht.config, n)
				return
			}
			id = uint64(uid)
		}
		ht.uids[uint32(id)] = true
	}
}

// resolve resolves a host path nixlxc mounts (hostpath.Target) or writes
// in (hostpath.Owned), refusing one that a user nixlxc does not trust
// could redirect, with what to do about it.
func (ht *hostTrust) resolve(path string, check hostpath.Check) (string, error) {
	resolved, err := hostpath.Resolve(ht.fs, path, ht.trusted, check)
	u, ok := hostpath.IsUntrusted(err)
	switch {
	case !ok:
		return resolved, err
	case u.How == hostpath.Group || u.How == hostpath.Everyone:
		return "", fmt.Errorf("%w: host paths must be root's all the way, and writable by no one else", err)
	case inRanges(int64(u.UID), ht.ranges):
		return "", fmt.Errorf("%w (uid %d is a container's): host paths must be root's all the way", err, u.UID)
	}
	owner := fmt.Sprintf("uid %d", u.UID)
	if name := userName(u.UID); name != "" {
		owner = fmt.Sprintf("%s (uid %d)", name, u.UID)
	}
	return "", fmt.Errorf("%w: host paths must be root's all the way, unless host.json's trustedOwners lists %s", err, owner)
}

func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return u.Username
	}
	return ""
}

// checkInstallation refuses state and profile directories, and a Nix
// store, that another user could redirect: root writes in the first two
// and liblxc mounts from all three into every container. A missing one is
// for New to make; what exists on its way is checked.
func (ht *hostTrust) checkInstallation(l layout) error {
	for _, d := range []struct {
		path, what string
		check      hostpath.Check
	}{
		{l.stateDir, "state directory", hostpath.Owned},
		{l.profileDir, "profile directory", hostpath.Owned},
		{"/nix/store", "Nix store", hostpath.Target},
	} {
		if _, err := ht.resolve(d.path, d.check); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w %s %s: %v", ErrInvalid, d.what, d.path, err)
		}
	}
	return nil
}

// Package hostpath resolves a host path the way the kernel will when root
// (or liblxc, for a mount) uses it later, and tells whether anyone but the
// users trusted like root could change what it resolves to in between.
//
// A path is only as safe as every directory it is looked up in: whoever
// can write one of them (its owner, who may chmod it, its group, every
// user) can rename what is below and put a symlink in its place, and the
// next lookup follows that symlink anywhere. So every directory on the
// way, from / through the targets of the symlinks met, must be a trusted
// user's and writable by no one else; in a sticky shared directory (/tmp),
// where anyone may add entries but only an entry's owner may rename it, the
// entry on the way must be a trusted user's. A symlink on the way must be
// a trusted user's too: one another user made (in a directory that was
// theirs once) says where that user wanted the path to go. A directory on
// a FUSE file system another user mounted shows whatever owner and mode
// that user's server says. What is below the path itself (the content of
// a directory it names) is not looked at: nobody can swap the path for
// something else by writing inside it.
//
// Once every step was checked this way, only a trusted user can change
// any of them: the check and a later lookup of the same path find the
// same thing, with no race between them.
package hostpath

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
)

// Node is what lstat says about one path, and for a directory who mounted
// the FUSE file system it is on.
type Node struct {
	Mode     fs.FileMode // type, permissions, sticky bit
	UID, GID uint32
	Target   string // a symlink's
	// FUSEMounter is the uid that mounted the FUSE file system a directory
	// is on (its user_id=); -1 when it is on no FUSE file system.
	FUSEMounter int64
}

// FS is the host's file system as Resolve sees it.
type FS interface {
	// Lstat describes path without following a symlink at its end; an
	// error for a missing path wraps fs.ErrNotExist.
	Lstat(path string) (Node, error)
}

// Trusted says whether a uid may control a path as root does.
type Trusted func(uid uint32) (bool, error)

// maxLinks is the kernel's limit on symlinks in one lookup (MAXSYMLINKS).
const maxLinks = 40

// An UntrustedError names the first step of a path that a user who is
// not trusted could change.
type UntrustedError struct {
	Path string // the path resolved
	Step string // the directory, entry or symlink on the way
	UID  uint32 // who could change it (for Group: the gid)
	How  How
}

// How a step is out of the trusted users' hands.
type How int

const (
	Owner       How = iota // a directory the user owns
	Group                  // a directory its group (UID is the gid) may write
	Everyone               // a directory every user may write
	StickyEntry            // the user's entry in a sticky shared directory
	Symlink                // a symlink the user made
	FUSE                   // on a FUSE file system the user mounted
)

func (e *UntrustedError) Error() string {
	change := "redirect " + e.Path
	if e.Step == e.Path {
		change = "change it"
	}
	who := fmt.Sprintf("uid %d", e.UID)
	switch e.How {
	case Group:
		return fmt.Sprintf("%s is writable by its group (gid %d), whose members could %s", e.Step, e.UID, change)
	case Everyone:
		return fmt.Sprintf("%s is writable by every user, who could %s", e.Step, change)
	case StickyEntry:
		return fmt.Sprintf("%s is owned by %s in the sticky directory %s, who could %s", e.Step, who, filepath.Dir(e.Step), change)
	case Symlink:
		return fmt.Sprintf("%s is a symlink %s made, who could %s", e.Step, who, change)
	case FUSE:
		return fmt.Sprintf("%s is on a FUSE file system %s mounted, who could %s", e.Step, who, change)
	}
	return fmt.Sprintf("%s is owned by %s, who could %s", e.Step, who, change)
}

// Check is what Resolve checks beyond the way to the path.
type Check int

const (
	// Target: the path is a mount source; what is in it is not looked at.
	Target Check = iota
	// Owned: what is in the path matters too (a directory root writes in,
	// a file root reads): it must be a trusted user's, and writable by no
	// one else, sticky or not.
	Owned
)

// Resolve returns path with every symlink resolved, after checking that no
// untrusted user could change what it resolves to (an *UntrustedError
// otherwise). A missing step is an error wrapping fs.ErrNotExist, after
// the steps before it were checked.
func Resolve(fsys FS, path string, trusted Trusted, check Check) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("%s is not an absolute path", path)
	}
	r := resolver{fs: fsys, trusted: trusted, path: path, nodes: map[string]Node{}}
	resolved, err := r.walk()
	if err != nil {
		return "", err
	}
	if check == Owned {
		if err := r.owned(resolved); err != nil {
			return "", err
		}
	}
	return resolved, nil
}

type resolver struct {
	fs      FS
	trusted Trusted
	path    string
	nodes   map[string]Node
}

func (r *resolver) lstat(p string) (Node, error) {
	if n, ok := r.nodes[p]; ok {
		return n, nil
	}
	n, err := r.fs.Lstat(p)
	if err != nil {
		return n, err
	}
	r.nodes[p] = n
	return n, nil
}

func (r *resolver) untrusted(step string, uid uint32, how How) error {
	return &UntrustedError{Path: r.path, Step: step, UID: uid, How: how}
}

func (r *resolver) walk() (string, error) {
	cur := "/" // symlink-free, and every directory up to it checked
	pending := components(r.path)
	links := 0
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		if name == ".." {
			// cur has no symlink in it: its parent is its lexical one.
			cur = filepath.Dir(cur)
			continue
		}
		if err := r.lookupIn(cur); err != nil {
			return "", err
		}
		next := filepath.Join(cur, name)
		n, err := r.lstat(next)
		if err != nil {
			return "", err
		}
		if dir := r.nodes[cur]; dir.Mode&0o022 != 0 { // sticky, or lookupIn had refused it
			if ok, err := r.trusted(n.UID); err != nil {
				return "", err
			} else if !ok {
				return "", r.untrusted(next, n.UID, StickyEntry)
			}
		}
		if n.Mode&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if ok, err := r.trusted(n.UID); err != nil {
			return "", err
		} else if !ok {
			return "", r.untrusted(next, n.UID, Symlink)
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("%s: %w", r.path, syscall.ELOOP)
		}
		if filepath.IsAbs(n.Target) {
			cur = "/"
		}
		pending = append(components(n.Target), pending...)
	}
	return cur, nil
}

// lookupIn checks a directory a name is looked up in.
func (r *resolver) lookupIn(dir string) error {
	n, err := r.lstat(dir)
	if err != nil {
		return err
	}
	if !n.Mode.IsDir() {
		return fmt.Errorf("%s: %w", dir, syscall.ENOTDIR)
	}
	if err := r.owner(dir, n); err != nil {
		return err
	}
	// A sticky directory others write (/tmp, a multi-user Nix store) lets
	// them add entries, never rename another's: walk checks the entry.
	if n.Mode&fs.ModeSticky != 0 {
		return nil
	}
	return r.writers(dir, n)
}

// owned checks the path itself, when what is in it matters.
func (r *resolver) owned(p string) error {
	n, err := r.lstat(p)
	if err != nil {
		return err
	}
	if err := r.owner(p, n); err != nil {
		return err
	}
	return r.writers(p, n)
}

// owner checks who owns p, and who mounted the FUSE file system it is on.
func (r *resolver) owner(p string, n Node) error {
	if n.FUSEMounter >= 0 {
		if ok, err := r.trusted(uint32(n.FUSEMounter)); err != nil {
			return err
		} else if !ok {
			return r.untrusted(p, uint32(n.FUSEMounter), FUSE)
		}
	}
	if ok, err := r.trusted(n.UID); err != nil {
		return err
	} else if !ok {
		return r.untrusted(p, n.UID, Owner)
	}
	return nil
}

// writers refuses p if others than its owner may write it. ACLs that give
// someone write access show in the group bits.
func (r *resolver) writers(p string, n Node) error {
	switch {
	case n.Mode&0o002 != 0:
		return r.untrusted(p, 0, Everyone)
	case n.Mode&0o020 != 0:
		return r.untrusted(p, n.GID, Group)
	}
	return nil
}

// components splits a path into its names, "." and empty ones left out.
func components(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

// IsUntrusted reports whether err is an *UntrustedError, and returns it.
func IsUntrusted(err error) (*UntrustedError, bool) {
	var u *UntrustedError
	ok := errors.As(err, &u)
	return u, ok
}

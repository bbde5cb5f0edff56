package bridges

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nixlxc/nixlxc/lock"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// One installation per network namespace. nixlxc's bridges, tables and
// host veth names belong to the network namespace, not to a state
// directory: a second installation here would lease the first one's
// addresses, MACs and id ranges again and replace its rules. So the
// bridges carry the mark of the installation whose setup made them (their
// interface alias, which `ip link` shows), and no other installation sets
// them up, tears them down or starts containers here.

// ErrOtherInstallation marks an error whose cause is that this network
// namespace's nixlxc network is another installation's.
var ErrOtherInstallation = errors.New("the host's network is another nixlxc installation's")

// markPrefix starts the alias of a bridge an installation marked; the rest
// is its state directory.
const markPrefix = "nixlxc installation "

// OtherInstallationError names the installation whose mark a bridge
// carries, or, with no StateDir, the running containers on bridges no
// installation marked.
type OtherInstallationError struct {
	Bridge   string
	StateDir string
	Ports    []string // running containers' host veths, for unmarked bridges
}

func (e *OtherInstallationError) Error() string {
	if e.StateDir == "" {
		return fmt.Sprintf("%s carries no installation's mark and running containers are on the bridges (host veths %s): one installation per network namespace (set the network up from their installation)",
			e.Bridge, strings.Join(e.Ports, ", "))
	}
	return fmt.Sprintf("%s belongs to the nixlxc installation in %s: one installation per network namespace (use that one; if it is gone, run nixlxc --state-dir %s host teardown)",
		e.Bridge, e.StateDir, e.StateDir)
}

func (e *OtherInstallationError) Unwrap() error { return ErrOtherInstallation }

// ifAliasSize is the kernel's IFALIASZ: an alias has at most 255 bytes.
const ifAliasSize = 256

// mark is the alias an installation gives its bridges.
func mark(installation string) (string, error) {
	if installation == "" {
		return "", fmt.Errorf("no installation to mark the bridges with")
	}
	m := markPrefix + installation
	if len(m) >= ifAliasSize {
		return "", fmt.Errorf("the state directory %s is too long to mark the bridges with (at most %d bytes)", installation, ifAliasSize-1-len(markPrefix))
	}
	return m, nil
}

// ownerOf is the state directory a link's mark names ("": no mark).
func ownerOf(l netlink.Link) string {
	dir, ok := strings.CutPrefix(l.Attrs().Alias, markPrefix)
	if !ok {
		return ""
	}
	return dir
}

// sameInstallation reports whether two state directories are one: the same
// path, or two paths to one directory (a symlink, a bind mount).
func sameInstallation(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// foreign fails when this network namespace's nixlxc network is not
// installation's to use: one of the bridges carries another installation's
// mark (an *OtherInstallationError), or carries none while running
// containers are on the bridges and installation recorded no setup (a
// nixlxc from before marks set it up for some installation; only that one,
// upgraded, has a record and takes it over). Absent bridges, or unmarked
// ones nothing runs on, are anyone's: the next setup marks them.
func foreign(installation string, hasRecord bool) error {
	var unmarked []string
	for _, name := range []string{Hostonly, Internet} {
		l, err := netlink.LinkByName(name)
		var notFound netlink.LinkNotFoundError
		if errors.As(err, &notFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("netlink: %s: %w", name, err)
		}
		owner := ownerOf(l)
		if owner == "" {
			unmarked = append(unmarked, name)
		} else if !sameInstallation(owner, installation) {
			return &OtherInstallationError{Bridge: name, StateDir: owner}
		}
	}
	if len(unmarked) == 0 || hasRecord {
		return nil
	}
	ports, err := PortsInUse()
	if err != nil || len(ports) == 0 {
		return err
	}
	return &OtherInstallationError{Bridge: unmarked[0], Ports: ports}
}

// setMark gives the bridge this installation's mark.
func setMark(l netlink.Link, installation string) error {
	m, err := mark(installation)
	if err != nil {
		return err
	}
	if l.Attrs().Alias == m {
		return nil
	}
	if err := netlink.LinkSetAlias(l, m); err != nil {
		return fmt.Errorf("netlink: marking %s as this installation's: %w", l.Attrs().Name, err)
	}
	return nil
}

// clearMark removes this installation's mark from a bridge that stays
// (one the host's own configuration made).
func clearMark(name, installation string) error {
	l, err := netlink.LinkByName(name)
	if err != nil || ownerOf(l) == "" || !sameInstallation(ownerOf(l), installation) {
		return nil
	}
	if err := netlink.LinkSetAlias(l, ""); err != nil {
		return fmt.Errorf("netlink: unmarking %s: %w", name, err)
	}
	return nil
}

// withNamespaceLock runs fn holding the lock of this network namespace's
// nixlxc network, which every installation here takes (each one's own host
// lock is in its state directory): two first setups racing would both find
// no bridge, and both mark them. The lock file is named after the
// namespace's inode, in dir (root's, so no user can hold it), and removed
// after use: namespaces come and go (every test has one).
func withNamespaceLock(ctx context.Context, dir string, fn func() error) error {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return fmt.Errorf("this network namespace: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	l, err := lock.Acquire(ctx, filepath.Join(dir, fmt.Sprintf("network-%d.lock", st.Ino)))
	if err != nil {
		return err
	}
	defer l.ReleaseAndRemove()
	return fn()
}

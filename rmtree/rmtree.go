// Package rmtree removes directory trees that someone else may have filled:
// a container's rootfs and run directory, a profile directory, whatever a
// person left in them. It never follows a symbolic link and never crosses a
// mount point, so a host directory bind-mounted anywhere inside the tree is
// never touched: the removal stops with a MountError naming it.
//
// The tree is hostile: however deep it is (a container can nest directories
// far beyond PATH_MAX with mkdirat), the removal holds a bounded number of
// file descriptors and memory proportional to the depth only.
//
// It does not unmount anything; callers unmount what they mounted
// themselves and refuse the rest.
package rmtree

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// MountError is a mount point inside a tree being removed.
type MountError struct {
	Path string
}

func (e *MountError) Error() string {
	return fmt.Sprintf("%s is a mount point (unmount it first; nixlxc never removes what is mounted there)", e.Path)
}

// RemoveAll removes path and everything below it. A path that does not
// exist is not an error. Nothing is removed when a mount point is known to
// be below path; one that appears during the removal stops it there.
func RemoveAll(path string) error {
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := refuseMounts(path); err != nil {
		return err
	}
	parent, err := unix.Open(filepath.Dir(path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: filepath.Dir(path), Err: err}
	}
	defer unix.Close(parent)
	name := filepath.Base(path)
	for attempt := 0; ; attempt++ {
		err := unlinkEntry(parent, name, path)
		if !errors.Is(err, errIsDir) {
			return err
		}
		fd, err := openChild(parent, name, path)
		if errors.Is(err, errGone) {
			return nil
		}
		if errors.Is(err, errNotDir) && attempt == 0 {
			continue // replaced by a file or a link meanwhile
		}
		if err != nil {
			return err
		}
		err = emptyTree(fd, path)
		unix.Close(fd)
		if err != nil {
			return err
		}
		err = unix.Unlinkat(parent, name, unix.AT_REMOVEDIR)
		switch {
		case err == nil, errors.Is(err, unix.ENOENT):
			return nil
		case errors.Is(err, unix.EBUSY):
			return &MountError{Path: path}
		case errors.Is(err, unix.ENOTEMPTY) && attempt < 3:
			continue // something was added meanwhile
		}
		return &os.PathError{Op: "rmdir", Path: path, Err: err}
	}
}

// RemoveContents removes everything below dir and keeps dir itself.
func RemoveContents(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := refuseMounts(dir); err != nil {
		return err
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	return emptyTree(fd, dir)
}

// refuseMounts fails when something is mounted below dir (dir itself
// included: a tree that is a mount point is not nixlxc's to empty).
func refuseMounts(dir string) error {
	mounts, err := MountsBelow(dir)
	if err != nil {
		return err
	}
	if len(mounts) > 0 {
		return &MountError{Path: mounts[0]}
	}
	return nil
}

var (
	errIsDir  = errors.New("a directory")
	errNotDir = errors.New("not a directory")
	errGone   = errors.New("gone")
)

// unlinkEntry removes name from the directory dirfd unless it is a
// directory (errIsDir).
func unlinkEntry(dirfd int, name, path string) error {
	err := unix.Unlinkat(dirfd, name, 0)
	switch {
	case err == nil, errors.Is(err, unix.ENOENT):
		return nil
	case errors.Is(err, unix.EBUSY):
		return &MountError{Path: path}
	case errors.Is(err, unix.EISDIR), errors.Is(err, unix.EPERM):
		return errIsDir
	}
	return &os.PathError{Op: "unlink", Path: path, Err: err}
}

// openChild opens the directory name in dirfd without following a link
// and without leaving the mount the tree is on (bind mounts included).
func openChild(dirfd int, name, path string) (int, error) {
	fd, err := unix.Openat2(dirfd, name, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_XDEV | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_BENEATH,
	})
	switch {
	case err == nil:
		return fd, nil
	case errors.Is(err, unix.EXDEV):
		return -1, &MountError{Path: path}
	case errors.Is(err, unix.ENOENT):
		return -1, errGone
	case errors.Is(err, unix.ENOTDIR), errors.Is(err, unix.ELOOP):
		return -1, errNotDir
	}
	return -1, &os.PathError{Op: "open", Path: path, Err: err}
}

// window is how many levels of a tree keep their descriptors open; deeper,
// a level's directory is closed and reopened through ".." on the way back
// (its identity checked), so a hostile depth costs no descriptors.
const window = 64

// level is one directory on the way down.
type level struct {
	fd       int      // the directory, or -1 while closed
	entries  *os.File // reading its names (nil: start a pass)
	pending  []string // names read and not handled yet
	handled  int      // names handled in this pass
	name     string   // its name in the level above
	dev, ino uint64   // its identity
}

func (l *level) close() {
	if l.entries != nil {
		l.entries.Close()
		l.entries = nil
	}
	if l.fd >= 0 {
		unix.Close(l.fd)
		l.fd = -1
	}
	l.pending, l.handled = nil, 0
}

// next is the next name to handle in the level, "" when it is empty. A
// pass reads the directory from its start; it is read again until a pass
// finds nothing, since removing entries while reading may skip some.
func (l *level) next(path func() string) (string, error) {
	for {
		if len(l.pending) > 0 {
			n := l.pending[0]
			l.pending = l.pending[1:]
			l.handled++
			return n, nil
		}
		if l.entries == nil {
			// A new open file description: its own offset.
			fd, err := unix.Openat(l.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return "", &os.PathError{Op: "open", Path: path(), Err: err}
			}
			l.entries = os.NewFile(uintptr(fd), ".")
			l.handled = 0
		}
		names, err := l.entries.Readdirnames(256)
		l.pending = names
		if len(names) > 0 {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", &os.PathError{Op: "readdir", Path: path(), Err: err}
		}
		l.entries.Close()
		l.entries = nil
		if l.handled == 0 {
			return "", nil
		}
	}
}

func identity(fd int) (dev, ino uint64, err error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, 0, err
	}
	return st.Dev, st.Ino, nil
}

// emptyTree removes everything below the directory open as top (named path
// in errors), depth first, without recursion.
func emptyTree(top int, path string) error {
	fd, err := unix.Dup(top)
	if err != nil {
		return err
	}
	unix.CloseOnExec(fd)
	dev, ino, err := identity(fd)
	if err != nil {
		unix.Close(fd)
		return err
	}
	stack := []*level{{fd: fd, name: path, dev: dev, ino: ino}}
	defer func() {
		for _, l := range stack {
			l.close()
		}
	}()
	here := func(name string) string { return describe(stack, name) }
	for {
		cur := stack[len(stack)-1]
		name, err := cur.next(func() string { return here("") })
		if err != nil {
			return err
		}
		if name == "" {
			if len(stack) == 1 {
				return nil
			}
			if err := ascend(&stack); err != nil {
				return err
			}
			continue
		}
		err = unlinkEntry(cur.fd, name, here(name))
		if !errors.Is(err, errIsDir) {
			if err != nil {
				return err
			}
			continue
		}
		child, err := openChild(cur.fd, name, here(name))
		switch {
		case errors.Is(err, errGone):
			continue
		case errors.Is(err, errNotDir):
			cur.pending = append([]string{name}, cur.pending...) // a file or link now: unlink it
			continue
		case err != nil:
			return err
		}
		dev, ino, err := identity(child)
		if err != nil {
			unix.Close(child)
			return err
		}
		stack = append(stack, &level{fd: child, name: name, dev: dev, ino: ino})
		// Beyond the window, the oldest open level but the top is closed.
		if i := len(stack) - window; i >= 1 && stack[i].fd >= 0 {
			stack[i].close()
		}
	}
}

// ascend leaves the emptied deepest level: the level above is reopened
// through ".." if it was closed (and must be the directory it was), then
// the emptied directory is removed from it.
func ascend(stack *[]*level) error {
	s := *stack
	cur, up := s[len(s)-1], s[len(s)-2]
	if up.fd < 0 {
		fd, err := unix.Openat(cur.fd, "..", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: describe(s[:len(s)-1], ""), Err: err}
		}
		dev, ino, err := identity(fd)
		if err != nil || dev != up.dev || ino != up.ino {
			unix.Close(fd)
			return fmt.Errorf("removing %s: the tree changed while it was removed", describe(s[:len(s)-1], ""))
		}
		up.fd = fd
	}
	path := describe(s, "")
	cur.close()
	*stack = s[:len(s)-1]
	err := unix.Unlinkat(up.fd, cur.name, unix.AT_REMOVEDIR)
	switch {
	case err == nil, errors.Is(err, unix.ENOENT):
		return nil
	case errors.Is(err, unix.EBUSY):
		return &MountError{Path: path}
	case errors.Is(err, unix.ENOTEMPTY):
		// Something was added meanwhile: its level is read again.
		up.pending = append([]string{cur.name}, up.pending...)
		return nil
	}
	return &os.PathError{Op: "rmdir", Path: path, Err: err}
}

// describe names a place in the tree for an error: the top's path and the
// names below it, shortened in the middle when the tree is deep.
func describe(stack []*level, name string) string {
	parts := []string{stack[0].name}
	below := stack[1:]
	if len(below) > 8 {
		for _, l := range below[:3] {
			parts = append(parts, l.name)
		}
		parts = append(parts, fmt.Sprintf("(%d levels)", len(below)-6))
		below = below[len(below)-3:]
	}
	for _, l := range below {
		parts = append(parts, l.name)
	}
	if name != "" {
		parts = append(parts, name)
	}
	p := strings.Join(parts, "/")
	if len(p) > 1024 {
		p = p[:512] + "..." + p[len(p)-512:]
	}
	return p
}

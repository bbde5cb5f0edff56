// Package rmtree removes directory trees that someone else may have filled:
// a container's rootfs and run directory, a profile directory, whatever a
// person left in them. It never follows a symbolic link and never crosses a
// mount point, so a host directory bind-mounted anywhere inside the tree is
// never touched: the removal stops with a MountError naming it.
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
	parent, err := openDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	return removeAt(parent, filepath.Base(path), path)
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
	return emptyDir(fd, dir)
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

func openDir(path string) (int, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

// removeAt removes name in the directory dirfd; path is its full name, for
// errors.
func removeAt(dirfd int, name, path string) error {
	for attempt := 0; ; attempt++ {
		err := unix.Unlinkat(dirfd, name, 0)
		switch {
		case err == nil, errors.Is(err, unix.ENOENT):
			return nil
		case errors.Is(err, unix.EBUSY):
			return &MountError{Path: path}
		case !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EPERM):
			return &os.PathError{Op: "unlink", Path: path, Err: err}
		}
		// A directory: open it without following a link and without
		// leaving the mount the tree is on (bind mounts included).
		fd, err := unix.Openat2(dirfd, name, &unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_NO_XDEV | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_BENEATH,
		})
		switch {
		case errors.Is(err, unix.EXDEV):
			return &MountError{Path: path}
		case errors.Is(err, unix.ENOENT):
			return nil
		case (errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP)) && attempt == 0:
			continue // replaced by a file or link meanwhile: unlink that
		case err != nil:
			return &os.PathError{Op: "open", Path: path, Err: err}
		}
		err = emptyDir(fd, path)
		unix.Close(fd)
		if err != nil {
			return err
		}
		err = unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR)
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

// emptyDir removes everything in the open directory fd. It reads the
// directory again until a pass finds it empty: removing entries while
// reading may make a file system skip some.
func emptyDir(fd int, path string) error {
	for {
		// A new open file description each pass: its own offset, and
		// closing it leaves fd open.
		rfd, err := unix.Openat(fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: path, Err: err}
		}
		d := os.NewFile(uintptr(rfd), path)
		seen, err := removeEntries(d, fd, path)
		d.Close()
		if err != nil || seen == 0 {
			return err
		}
	}
}

func removeEntries(d *os.File, fd int, path string) (seen int, err error) {
	for {
		names, err := d.Readdirnames(1024)
		for _, n := range names {
			if err := removeAt(fd, n, filepath.Join(path, n)); err != nil {
				return seen, err
			}
		}
		seen += len(names)
		if errors.Is(err, io.EOF) || (err == nil && len(names) == 0) {
			return seen, nil
		}
		if err != nil {
			return seen, &os.PathError{Op: "readdir", Path: path, Err: err}
		}
	}
}

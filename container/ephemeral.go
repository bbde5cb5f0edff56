package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nixlxc/nixlxc/internal/mountinfo"
	"golang.org/x/sys/unix"
)

// An ephemeral container's root file system is a tmpfs nixlxc mounts on
// its rootfs directory before each start and unmounts after each stop: it
// starts empty every time, and what the container wrote is gone with it.
// Its profile, generations, record and LXC config stay on disk.
//
// The mount is nixlxc's own, told apart from anything else mounted there by
// its source name. A container that stops on its own (a poweroff inside)
// leaves it mounted until the next start (which mounts a fresh one), a
// destroy, or doctor --repair.

// ephemeralSource names nixlxc's tmpfs in the mount table.
const ephemeralSource = "nixlxc-ephemeral"

// ownRootMount reports whether nixlxc's tmpfs is mounted on the
// container's rootfs (in this mount namespace).
func (l layout) ownRootMount(name string) (bool, error) {
	if notMountRoot(l.rootfs(name)) {
		return false, nil
	}
	f, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		return false, fmt.Errorf("listing mounts: %w", err)
	}
	defer f.Close()
	mounts, err := mountinfo.Parse(f)
	if err != nil {
		return false, fmt.Errorf("listing mounts: %w", err)
	}
	root := filepath.Clean(l.rootfs(name))
	for _, m := range mounts {
		if m.MountPoint == root && m.FSType == "tmpfs" && m.Source == ephemeralSource {
			return true, nil
		}
	}
	return false, nil
}

// notMountRoot reports whether statx (Linux 5.8) says that nothing is
// mounted on path: then no tmpfs of nixlxc's is, and every start of a
// container that is not ephemeral is spared parsing the host's mount table.
// Where statx cannot tell, it reports false.
func notMountRoot(path string) bool {
	var st unix.Statx_t
	if unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, 0, &st) != nil {
		return false
	}
	return st.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 && st.Attributes&unix.STATX_ATTR_MOUNT_ROOT == 0
}

// mountEphemeral mounts a fresh tmpfs on the container's rootfs, owned by
// its mapped root, with the directories a root needs; a tmpfs of an
// earlier run still there goes first.
func (l layout) mountEphemeral(name string, id int) error {
	if err := l.unmountEphemeral(name); err != nil {
		return err
	}
	root := l.rootfs(name)
	opts := fmt.Sprintf("mode=0755,uid=%d,gid=%d", id, id)
	if err := unix.Mount(ephemeralSource, root, "tmpfs", unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mounting the in-memory root of %s on %s: %w", name, root, err)
	}
	if err := makeRootDirs(root, id); err != nil {
		l.unmountEphemeral(name)
		return err
	}
	return nil
}

// unmountEphemeral unmounts nixlxc's tmpfs from the container's rootfs, if
// it is there; what it held is gone. Anything else mounted there is left
// alone (and makes a destroy refuse).
func (l layout) unmountEphemeral(name string) error {
	for {
		mounted, err := l.ownRootMount(name)
		if err != nil || !mounted {
			return err
		}
		err = unix.Unmount(l.rootfs(name), unix.UMOUNT_NOFOLLOW)
		if errors.Is(err, unix.EBUSY) {
			// Something still holds it (a process of the container on its
			// way out): it goes when that lets go.
			err = unix.Unmount(l.rootfs(name), unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW)
		}
		if err != nil {
			return fmt.Errorf("unmounting the in-memory root of %s: %w", name, err)
		}
	}
}

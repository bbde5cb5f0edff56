package container

import (
	"errors"
	"fmt"
	"os"

	"github.com/nixlxc/nixlxc/resolvconf"
	"golang.org/x/sys/unix"
)

// A NAT container resolves names with the host's upstream name servers:
// before each start nixlxc writes them to the container's /etc/resolv.conf,
// as systemd-nspawn does for nixos-container. NixOS in a container
// (networking.useHostResolvConf) hands that file to resolvconf at boot,
// which puts networking.nameservers (host.json's ipv6NameServers) first.

// writeContainerResolvConf writes content as rootfs/etc/resolv.conf, owned
// by the container's root (uid, gid). The rootfs is the container's: no
// path inside it is followed (openat2 with RESOLVE_IN_ROOT and no
// symlinks), and the file replaces whatever is there by rename, never
// writing through it.
func writeContainerResolvConf(rootfs string, uid, gid int, content []byte) error {
	root, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(root)
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV,
	}
	etc, err := unix.Openat2(root, "etc", &how)
	if errors.Is(err, unix.ENOENT) {
		if err := unix.Mkdirat(root, "etc", 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return err
		}
		if err := unix.Fchownat(root, "etc", uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
		etc, err = unix.Openat2(root, "etc", &how)
	}
	if err != nil {
		return fmt.Errorf("its /etc: %w", err)
	}
	defer unix.Close(etc)

	const tmp = ".resolv.conf.nixlxc"
	unix.Unlinkat(etc, tmp, 0)
	fd, err := unix.Openat(etc, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), tmp)
	_, err = f.Write(content)
	if err == nil {
		err = f.Chown(uid, gid)
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = unix.Renameat(etc, tmp, etc, "resolv.conf")
	}
	if err != nil {
		unix.Unlinkat(etc, tmp, 0)
		return err
	}
	return nil
}

// passNameservers gives a NAT container the host's name servers. A failure
// (the container made its /etc/resolv.conf a directory) is said, and the
// start goes on: only the container's own name resolution suffers.
func (l *launcher) passNameservers(rec *record) {
	rc := resolvconf.Host()
	if len(rc.Nameservers) == 0 {
		return
	}
	id := int(rec.IDMapBase)
	if err := writeContainerResolvConf(l.m.paths.rootfs(rec.Name), id, id, rc.Render()); err != nil {
		l.m.emit(Warning, rec.Name, "%s: warning: the host's name servers could not be written to its /etc/resolv.conf: %v", rec.Name, err)
	}
}

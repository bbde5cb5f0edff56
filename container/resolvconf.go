package container

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/nixlxc/nixlxc/internal/inputfile"
	"golang.org/x/sys/unix"
)

// A NAT container resolves names with the host's upstream name servers:
// before each start nixlxc writes them to the container's /etc/resolv.conf,
// as systemd-nspawn does for nixos-container. NixOS in a container
// (networking.useHostResolvConf) hands that file to resolvconf at boot,
// which puts networking.nameservers (host.json's ipv6NameServers) first.

// Where the host's name servers are read: systemd-resolved's list of its
// upstream servers when it runs (its /etc/resolv.conf names only its own
// 127.0.0.53 stub), else /etc/resolv.conf.
var hostResolvConfs = []string{"/run/systemd/resolve/resolv.conf", "/etc/resolv.conf"}

// maxNameservers is glibc's MAXNS: resolvers read no more.
const maxNameservers = 3

// resolvConf is what nixlxc passes on of a resolv.conf.
type resolvConf struct {
	Nameservers []netip.Addr
	Search      []string
}

// parseResolvConf takes the name servers a container can use from a
// resolv.conf: no loopback address (a stub or cache on the host, which the
// container's own loopback does not reach), no link-local one (it needs
// the host's interface), at most maxNameservers; and the search domains.
func parseResolvConf(text string) resolvConf {
	var rc resolvConf
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			a, err := netip.ParseAddr(f[1])
			if err != nil {
				continue
			}
			a = a.Unmap()
			if a.Zone() != "" || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
				continue
			}
			if len(rc.Nameservers) < maxNameservers && !containsAddr(rc.Nameservers, a) {
				rc.Nameservers = append(rc.Nameservers, a)
			}
		case "search", "domain":
			// The last search or domain line wins, as in glibc.
			rc.Search = nil
			for _, d := range f[1:] {
				if validDomain(d) && len(rc.Search) < 6 {
					rc.Search = append(rc.Search, d)
				}
			}
		}
	}
	return rc
}

func containsAddr(list []netip.Addr, a netip.Addr) bool {
	for _, b := range list {
		if a == b {
			return true
		}
	}
	return false
}

// validDomain accepts a DNS name of letters, digits, hyphens and dots.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// render is the file nixlxc writes into the container.
func (rc resolvConf) render() []byte {
	var b bytes.Buffer
	b.WriteString("# Written by nixlxc before the container started: the host's name servers.\n")
	if len(rc.Search) > 0 {
		b.WriteString("search " + strings.Join(rc.Search, " ") + "\n")
	}
	for _, a := range rc.Nameservers {
		b.WriteString("nameserver " + a.String() + "\n")
	}
	return b.Bytes()
}

// hostResolvConf reads the host's upstream name servers.
func hostResolvConf() resolvConf {
	for _, p := range hostResolvConfs {
		data, err := inputfile.Read(p)
		if err != nil {
			continue
		}
		return parseResolvConf(string(data))
	}
	return resolvConf{}
}

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
	rc := hostResolvConf()
	if len(rc.Nameservers) == 0 {
		return
	}
	id := int(rec.IDMapBase)
	if err := writeContainerResolvConf(l.m.paths.rootfs(rec.Name), id, id, rc.render()); err != nil {
		l.m.emit(Warning, rec.Name, "%s: warning: the host's name servers could not be written to its /etc/resolv.conf: %v", rec.Name, err)
	}
}

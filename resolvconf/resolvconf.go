// Package resolvconf reads the host's name servers from its resolv.conf
// (systemd-resolved's upstream list when it runs) and writes the file a
// NAT container gets, as systemd-nspawn does for nixos-container: no
// loopback stub, no link-local address, only what a container can reach.
package resolvconf

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"

	"github.com/nixlxc/nixlxc/internal/inputfile"
)

// Where the host's name servers are read: systemd-resolved's list of its
// upstream servers when it runs (its /etc/resolv.conf names only its own
// 127.0.0.53 stub), else /etc/resolv.conf.
var HostFiles = []string{"/run/systemd/resolve/resolv.conf", "/etc/resolv.conf"}

// maxNameservers is glibc's MAXNS: resolvers read no more.
const maxNameservers = 3

// Conf is what nixlxc passes on of a resolv.conf.
type Conf struct {
	Nameservers []netip.Addr
	Search      []string
}

// Parse takes the name servers a container can use from a
// resolv.conf: no loopback address (a stub or cache on the host, which the
// container's own loopback does not reach), no link-local one (it needs
// the host's interface), at most maxNameservers; and the search domains.
func Parse(text string) Conf {
	var rc Conf
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

// Render is the file nixlxc writes into the container.
func (rc Conf) Render() []byte {
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

// Host reads the host's upstream name servers.
func Host() Conf {
	for _, p := range HostFiles {
		data, err := inputfile.Read(p)
		if err != nil {
			continue
		}
		return Parse(string(data))
	}
	return Conf{}
}

package tests

import (
	be "encoding/binary"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A DNS resolver for the upstream namespace, built into the test binary:
// busybox has no DNS server, and a Debian one would be a package CI must
// install for one test. It answers A queries for its names from a table
// and NXDOMAIN for everything else: enough for a resolver's first answer.

// serveDNS answers on addr:53 (UDP) inside network namespace netns until
// the test ends. The socket is made inside the namespace (a socket stays
// in the namespace it was made in), from a thread that switches there and
// back.
func serveDNS(t *testing.T, netns, addr string, names map[string]netip.Addr) {
	t.Helper()
	conn := listenUDPIn(t, netns, addr+":53")
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			if reply := dnsReply(buf[:n], names); reply != nil {
				conn.WriteTo(reply, from)
			}
		}
	}()
}

func listenUDPIn(t *testing.T, netns, addr string) net.PacketConn {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	target, err := os.Open(filepath.Join("/run/netns", netns))
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		t.Fatal(err)
	}
	conn, lerr := net.ListenPacket("udp", addr)
	if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
		// This thread is in the wrong namespace: it must not serve anyone.
		panic(err)
	}
	if lerr != nil {
		t.Fatal(lerr)
	}
	return conn
}

// dnsReply answers one query (RFC 1035 4.1): nil for what is not a
// standard query with one question.
func dnsReply(q []byte, names map[string]netip.Addr) []byte {
	if len(q) < 12 || q[2]&0x80 != 0 || be.BigEndian.Uint16(q[4:6]) != 1 {
		return nil
	}
	var labels []string
	i := 12
	for {
		if i >= len(q) {
			return nil
		}
		l := int(q[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(q) {
			return nil
		}
		labels = append(labels, strings.ToLower(string(q[i:i+l])))
		i += l
	}
	if i+4 > len(q) {
		return nil
	}
	qtype := be.BigEndian.Uint16(q[i : i+2])
	question := q[12 : i+4]
	name := strings.Join(labels, ".")
	addr, known := names[name]

	r := make([]byte, 12, 12+len(question)+16)
	copy(r, q[:2])          // ID
	r[2] = 0x84 | q[2]&0x01 // QR, AA, RD as asked
	r[3] = 0x80             // RA, NOERROR
	be.BigEndian.PutUint16(r[4:], 1)
	r = append(r, question...)
	switch {
	case !known:
		r[3] |= 3 // NXDOMAIN
	case qtype == 1 && addr.Is4(): // A
		be.BigEndian.PutUint16(r[6:], 1)
		a := addr.As4()
		r = append(r, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
		r = append(r, a[:]...)
	}
	return r
}

// TestSystemdDNS: a NAT container resolves a name served by a resolver in
// the upstream namespace, which it knows from the host's resolv.conf (the
// host's 127.0.0.53 stub left out); the IPv6 name servers of host.json
// come first.
func TestSystemdDNS(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	up := newUpstream(t)
	serveDNS(t, up.name, upstreamV4, map[string]netip.Addr{
		"www.upstream.test": netip.MustParseAddr("198.51.100.80"),
	})
	// The host's resolv.conf, as the test's mount namespace sees it: a
	// local stub first, as systemd-resolved hosts have.
	hostConf := filepath.Join(h.dir, "host-resolv.conf")
	if err := os.WriteFile(hostConf, []byte("nameserver 127.0.0.53\nnameserver "+upstreamV4+"\nsearch upstream.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"} {
		if _, err := os.Stat(f); err == nil {
			sh(t, "mount", "--bind", hostConf, f)
		}
	}
	h.hostJSON(`{ "internetInterface": "up0", "ipv6": { "enable": true,
	  "ipv6InternetInterfaceAddress": "2001:db8:1:1::1", "ipv6Prefix": "2001:db8:1:1::",
	  "ipv6PrefixLength": 64, "ipv6NameServers": [ "2001:db8:ffff::53" ] } }`)

	h.must("create", "sddns", h.file("dns.nix", `{ network.enableNat = true; configuration = { ... }: { }; }`))
	h.must("start", "sddns")
	conf := h.inside("sddns", "cat", "/etc/resolv.conf")
	servers := []string{}
	for _, l := range strings.Split(conf, "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "nameserver" {
			servers = append(servers, f[1])
		}
	}
	if strings.Join(servers, " ") != "2001:db8:ffff::53 "+upstreamV4 {
		t.Errorf("the container's name servers are %v, want host.json's IPv6 one, then the host's upstream one:\n%s", servers, conf)
	}
	out := h.inside("sddns", "nslookup", "www.upstream.test", upstreamV4)
	if !strings.Contains(out, "198.51.100.80") {
		t.Errorf("nslookup www.upstream.test:\n%s", out)
	}
	// The way a program resolves: with the servers of /etc/resolv.conf
	// (the IPv6 one does not exist upstream; the next one answers).
	if out := h.nixlxc("run", "sddns", "--", "nslookup", "www.upstream.test"); !strings.Contains(out.stdout, "198.51.100.80") {
		t.Errorf("nslookup www.upstream.test with the servers of resolv.conf: %s", out)
	}
	// A hostonly container is not given name servers it cannot reach.
	h.must("create", "sdlocal", example("hello.nix"))
	h.must("start", "sdlocal")
	if out := h.nixlxc("run", "sdlocal", "--", "grep", "-c", upstreamV4, "/etc/resolv.conf"); out.code == 0 {
		t.Errorf("a hostonly container got the host's name servers: %s", out)
	}
}

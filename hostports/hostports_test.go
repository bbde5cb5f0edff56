package hostports

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

const procTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 0100650A:1F90 0200650A:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
`

const procTCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0
   1: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0
`

const procUDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  10: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 6 2 0 0
  11: 0100650A:A1B2 08080808:0035 01 00000000:00000000 00:00000000 00000000     0        0 7 2 0 0
`

func TestParseProcNet(t *testing.T) {
	for _, c := range []struct {
		protocol, data string
		want           []Listener
	}{
		{"tcp", procTCP, []Listener{
			{"tcp", netip.MustParseAddr("0.0.0.0"), 22},
			{"tcp", netip.MustParseAddr("127.0.0.1"), 3306},
			// 10.101.0.1:8080's established connection is no listener.
		}},
		{"tcp", procTCP6, []Listener{
			{"tcp", netip.MustParseAddr("::"), 8080},
			{"tcp", netip.MustParseAddr("2001:db8::1"), 80},
		}},
		{"udp", procUDP, []Listener{
			{"udp", netip.MustParseAddr("127.0.0.53"), 53},
			// a connected client socket serves nobody
		}},
		{"udp", "header only\n", nil},
	} {
		got, err := ParseProcNet(c.protocol, []byte(c.data))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseProcNet(%s) = %v, %v; want %v", c.protocol, got, err, c.want)
		}
	}
	for _, bad := range []string{
		"h\n 0: 00000000 00000000:0000 0A\n",
		"h\n 0: 0000000G:0016 00000000:0000 0A\n",
		"h\n 0: 000000:0016 00000000:0000 0A\n",
		"h\n 0: 00000000:10000 00000000:0000 0A\n",
		"h\n 0: 00000000:0016 00000000:0000 ZZ\n",
		"h\n 0: 00000000:0016\n",
	} {
		if got, err := ParseProcNet("tcp", []byte(bad)); err == nil {
			t.Errorf("ParseProcNet(%q) = %v, want an error", bad, got)
		}
	}
}

// The real files of the test's own network namespace parse.
func TestReadListeners(t *testing.T) {
	if _, err := ReadListeners(); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseProcNet(f *testing.F) {
	f.Add(procTCP)
	f.Add(procTCP6)
	f.Add(procUDP)
	f.Fuzz(func(t *testing.T, data string) {
		ParseProcNet("tcp", []byte(data))
		ParseProcNet("udp", []byte(data))
	})
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

var host = Host{
	Addresses: []LinkAddr{
		{addr("127.0.0.1"), "lo"},
		{addr("198.51.100.1"), "eth0"},
		{addr("2001:db8:ffff::1"), "eth0"},
		{addr("10.101.0.1"), "brNC-hostonly"},
		{addr("10.202.0.1"), "brNC-internet"},
		{addr("10.202.0.99"), "brNC-internet"}, // put there by hand
		{addr("10.101.7.7"), "eth1"},           // in the containers' network
	},
	Bridges: []string{"brNC-hostonly", "brNC-internet"},
	Own:     []netip.Addr{addr("10.101.0.1"), addr("10.202.0.1")},
	Subnets: []netip.Prefix{netip.MustParsePrefix("10.101.0.0/16"), netip.MustParsePrefix("10.202.0.0/16")},
	Listeners: []Listener{
		{"tcp", addr("0.0.0.0"), 2222},
		{"tcp", addr("127.0.0.1"), 3306},
		{"tcp", addr("::"), 8443},
		{"tcp", addr("198.51.100.1"), 9000},
		{"tcp", addr("::ffff:198.51.100.1"), 9001},
		{"udp", addr("127.0.0.53"), 5353},
		{"udp", addr("0.0.0.0"), 6000},
	},
}

func TestCheckAddress(t *testing.T) {
	for a, want := range map[string]string{
		"198.51.100.1":     "",
		"2001:db8:ffff::1": "",
		"10.101.0.1":       "",
		"10.202.0.1":       "",
		"10.101.0.2":       "in nixlxc's container network 10.101.0.0/16",
		"10.202.0.99":      "in nixlxc's container network",
		"10.101.7.7":       "in nixlxc's container network",
		"8.8.8.8":          "not one of the host's addresses",
		"2001:db8::5":      "not one of the host's addresses",
	} {
		err := host.CheckAddress(addr(a))
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("CheckAddress(%s) = %v, want %q", a, err, want)
		}
	}
	// nixlxc's bridge, outside its subnets (a subnet moved one day).
	h := host
	h.Subnets = nil
	if err := h.CheckAddress(addr("10.202.0.99")); err == nil || !strings.Contains(err.Error(), "bridge brNC-internet") {
		t.Errorf("an address on brNC-internet not the host's own: %v", err)
	}
}

func TestCheckPort(t *testing.T) {
	every := netip.Addr{}
	for _, c := range []struct {
		claim Claim
		want  string
	}{
		{Claim{"tcp", every, 8080}, ""},
		{Claim{"tcp", every, 22}, "privileged"},
		{Claim{"udp", addr("198.51.100.1"), 53}, "privileged"},
		{Claim{"tcp", every, 2222}, "listening on 0.0.0.0:2222"},
		{Claim{"tcp", addr("198.51.100.1"), 2222}, "in use"},
		{Claim{"tcp", addr("2001:db8:ffff::1"), 2222}, ""}, // an IPv4 listener
		{Claim{"udp", every, 2222}, ""},                    // another protocol
		{Claim{"tcp", every, 3306}, ""},                    // loopback only: forwards leave it
		{Claim{"tcp", addr("198.51.100.1"), 8443}, "in use"},
		{Claim{"tcp", addr("2001:db8:ffff::1"), 8443}, "in use"},
		{Claim{"tcp", every, 9000}, "in use"},
		{Claim{"tcp", addr("198.51.100.1"), 9000}, "in use"},
		{Claim{"tcp", addr("10.101.0.1"), 9000}, ""}, // another address
		{Claim{"tcp", addr("198.51.100.1"), 9001}, "in use"},
		{Claim{"udp", every, 5353}, ""},
		{Claim{"udp", every, 6000}, "udp 6000 is in use"},
	} {
		err := host.CheckPort(c.claim)
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckPort(%s) = %v, want %q", c.claim, err, c.want)
		}
	}
	h := host
	h.AllowPrivileged = true
	if err := h.Check(Claim{"tcp", every, 22}); err != nil {
		t.Errorf("with allowPrivilegedForwards, 22: %v", err)
	}
	if err := h.Check(Claim{"tcp", addr("10.101.0.2"), 8080}); err == nil {
		t.Error("Check took a container's address")
	}
}

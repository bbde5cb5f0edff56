package leases

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
)

var (
	hostonly = Subnet{Key: PoolKey{"brNC-hostonly", netip.MustParsePrefix("10.101.0.0/16")}, Host: netip.MustParseAddr("10.101.0.1")}
	internet = Subnet{Key: PoolKey{"brNC-internet", netip.MustParsePrefix("10.202.0.0/16")}, Host: netip.MustParseAddr("10.202.0.1")}
	v6       = Subnet{Key: PoolKey{"brNC-internet", netip.MustParsePrefix("2001:db8:1:1::/64")}, Host: netip.MustParseAddr("2001:db8:1:1::1")}
)

func openDB(t *testing.T) *ipam.DB {
	t.Helper()
	d, err := ipam.Open(filepath.Join(t.TempDir(), "leases.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// take runs Take in a transaction of its own.
func take(t *testing.T, d *ipam.DB, w Want) (netip.Addr, error) {
	t.Helper()
	var ip netip.Addr
	err := d.Update(context.Background(), func(tx *ipam.Tx) error {
		var err error
		ip, err = Take(tx, w)
		return err
	})
	return ip, err
}

func mustTake(t *testing.T, d *ipam.DB, w Want) netip.Addr {
	t.Helper()
	ip, err := take(t, d, w)
	if err != nil {
		t.Fatalf("Take(%+v): %v", w, err)
	}
	return ip
}

func held(t *testing.T, d *ipam.DB, name string) []ipam.Lease {
	t.Helper()
	l, err := d.Leases(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func purposes(ls []ipam.Lease) string {
	var p []string
	for _, l := range ls {
		p = append(p, l.Purpose)
	}
	return strings.Join(p, " ")
}

func nat(name string) Want {
	in, six := internet, v6
	return Want{Container: name, Hostonly: hostonly, Internet: &in, IPv6: &six}
}

func TestTakeLowestFreeAndReuse(t *testing.T) {
	d := openDB(t)
	a := mustTake(t, d, Want{Container: "a", Hostonly: hostonly})
	b := mustTake(t, d, nat("b"))
	if a.String() != "10.101.0.2" || b.String() != "10.101.0.3" {
		t.Errorf("a, b got %s, %s; want 10.101.0.2, 10.101.0.3", a, b)
	}
	// Taking again gives the same numbers and changes nothing.
	before := held(t, d, "b")
	if again := mustTake(t, d, nat("b")); again != b || !reflect.DeepEqual(held(t, d, "b"), before) {
		t.Errorf("a second Take changed b's leases: %v, %v", again, held(t, d, "b"))
	}
	if got := purposes(before); got != "hostonly/4 hostonly/mac internet/4 internet/6 internet/mac" {
		t.Errorf("a NAT container with IPv6 holds %q", got)
	}
	if !Holds(before, nat("b")) {
		t.Error("Holds is false for what Take just gave")
	}
	// Dropping IPv6, then NAT, frees them.
	noV6 := nat("b")
	noV6.IPv6 = nil
	mustTake(t, d, noV6)
	if got := purposes(held(t, d, "b")); got != "hostonly/4 hostonly/mac internet/4 internet/mac" {
		t.Errorf("without IPv6 b holds %q", got)
	}
	mustTake(t, d, Want{Container: "b", Hostonly: hostonly})
	if got := purposes(held(t, d, "b")); got != "hostonly/4 hostonly/mac" {
		t.Errorf("without NAT b holds %q", got)
	}
	// A freed address is the next one given.
	d.Update(context.Background(), func(tx *ipam.Tx) error { _, err := tx.Release("a"); return err })
	if c := mustTake(t, d, Want{Container: "c", Hostonly: hostonly}); c.String() != "10.101.0.2" {
		t.Errorf("after a's release c got %s, want 10.101.0.2", c)
	}
}

func TestTakeStatic(t *testing.T) {
	d := openDB(t)
	mustTake(t, d, Want{Container: "dyn", Hostonly: hostonly})
	w := Want{Container: "st", Hostonly: hostonly, Static: netip.MustParseAddr("10.101.7.7")}
	if ip := mustTake(t, d, w); ip != w.Static {
		t.Errorf("static got %s", ip)
	}
	if !Holds(held(t, d, "st"), w) {
		t.Error("Holds is false for the static address")
	}
	moved := w
	moved.Static = netip.MustParseAddr("10.101.7.8")
	if Holds(held(t, d, "st"), moved) {
		t.Error("Holds is true after the static address changed")
	}
	for addr, want := range map[string]string{
		"10.101.7.7":     "already used by container st",
		"10.101.0.2":     "already used by container dyn",
		"10.101.0.0":     "network address",
		"10.101.255.255": "broadcast address",
		"10.101.0.1":     "host's own address",
		"10.9.0.1":       "not in 10.101.0.0/16",
	} {
		_, err := take(t, d, Want{Container: "other", Hostonly: hostonly, Static: netip.MustParseAddr(addr)})
		if !errors.Is(err, spec.ErrInvalid) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "out of range") {
			t.Errorf("static %s: %v, want an invalid setting saying %q", addr, err, want)
		}
	}
	if got := held(t, d, "other"); len(got) != 0 {
		t.Errorf("a refused Take left leases %v", got)
	}
}

func TestTakeStaticOnAUserBridge(t *testing.T) {
	d := openDB(t)
	a := Subnet{Key: PoolKey{"br0", netip.MustParsePrefix("10.10.1.0/24")}}
	b := Subnet{Key: PoolKey{"br0", netip.MustParsePrefix("10.10.0.0/16")}}
	mustTake(t, d, Want{Container: "one", Hostonly: a, Static: netip.MustParseAddr("10.10.1.5"), UserBridge: true})
	_, err := take(t, d, Want{Container: "two", Hostonly: b, Static: netip.MustParseAddr("10.10.1.5"), UserBridge: true})
	if err == nil || !strings.Contains(err.Error(), "already used by container one") {
		t.Errorf("the same address in another subnet of the bridge: %v", err)
	}
}

func TestTakeExhausted(t *testing.T) {
	d := openDB(t)
	tiny := Subnet{Key: PoolKey{"br0", netip.MustParsePrefix("10.0.0.0/30")}, Host: netip.MustParseAddr("10.0.0.1")}
	mustTake(t, d, Want{Container: "a", Hostonly: tiny})
	if _, err := take(t, d, Want{Container: "b", Hostonly: tiny}); !errors.Is(err, ipam.ErrExhausted) || !strings.Contains(err.Error(), "10.0.0.0/30") {
		t.Errorf("a full subnet: %v", err)
	}
	in := tiny
	if _, err := take(t, d, Want{Container: "a", Hostonly: tiny, Internet: &in}); !errors.Is(err, ipam.ErrExhausted) {
		t.Errorf("a full internet subnet: %v", err)
	}
	six := Subnet{Key: PoolKey{"br1", netip.MustParsePrefix("2001:db8::/127")}}
	w := Want{Container: "c", Hostonly: hostonly, Internet: &internet, IPv6: &six}
	mustTake(t, d, w)
	w.Container = "d"
	if _, err := take(t, d, w); !errors.Is(err, ipam.ErrExhausted) || !strings.Contains(err.Error(), "2001:db8::/127") {
		t.Errorf("a full IPv6 prefix: %v", err)
	}
}

func TestHolds(t *testing.T) {
	lease := func(p Purpose, pool string) ipam.Lease { return ipam.Lease{Purpose: string(p), Pool: pool, Num: 2} }
	base := []ipam.Lease{lease(HostonlyV4, hostonly.Key.String()), lease(HostonlyMAC, "mac")}
	natLeases := append(append([]ipam.Lease{}, base...), lease(InternetV4, internet.Key.String()), lease(InternetMAC, "mac"))
	withV6 := append(append([]ipam.Lease{}, natLeases...), lease(InternetV6, v6.Key.String()))
	otherV6 := append(append([]ipam.Lease{}, natLeases...), lease(InternetV6, "brNC-internet|2001:db8:9::/64"))
	plain := Want{Container: "x", Hostonly: hostonly}
	natNoV6 := nat("x")
	natNoV6.IPv6 = nil
	for _, tt := range []struct {
		name   string
		leases []ipam.Lease
		w      Want
		want   bool
	}{
		{"nothing", nil, plain, false},
		{"plain", base, plain, true},
		{"no MAC", base[:1], plain, false},
		{"other subnet", []ipam.Lease{lease(HostonlyV4, "br0|10.0.0.0/8"), lease(HostonlyMAC, "mac")}, plain, false},
		{"NAT leases without NAT", natLeases, plain, false},
		{"NAT without its leases", base, natNoV6, false},
		{"NAT", natLeases, natNoV6, true},
		{"IPv6 left over", withV6, natNoV6, false},
		{"IPv6 missing", natLeases, nat("x"), false},
		{"IPv6", withV6, nat("x"), true},
		{"IPv6 of an old prefix", otherV6, nat("x"), false},
	} {
		if got := Holds(tt.leases, tt.w); got != tt.want {
			t.Errorf("%s: Holds = %v, want %v", tt.name, got, tt.want)
		}
	}
}

const rendered = `lxc.uts.name = web
lxc.net.0.type = veth
lxc.net.0.name = hostonly
lxc.net.0.hwaddr = 02:6e:6c:00:00:07
lxc.net.0.ipv4.address = 10.101.0.9/16 10.101.255.255
lxc.net.1.type = veth
lxc.net.1.name = internet
lxc.net.1.hwaddr = 02:6e:6c:00:00:08
lxc.net.1.ipv4.address = 10.202.0.5/16 10.202.255.255
lxc.net.1.ipv4.gateway = 10.202.0.1
lxc.net.1.ipv6.address = 2001:db8:1:1::5/64
`

func usedIn(t *testing.T, text string) []Used {
	t.Helper()
	items, err := lxcconf.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return UsedInConfig(items)
}

func TestUsedInConfig(t *testing.T) {
	got := usedIn(t, rendered)
	want := []Used{
		{Name: "hostonly", HWAddr: "02:6e:6c:00:00:07", IPv4: netip.MustParsePrefix("10.101.0.9/16")},
		{Name: "internet", HWAddr: "02:6e:6c:00:00:08", IPv4: netip.MustParsePrefix("10.202.0.5/16"), IPv6: netip.MustParsePrefix("2001:db8:1:1::5/64")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UsedInConfig = %+v\nwant %+v", got, want)
	}
}

// After a lost database the numbers come back from the config, and the
// next Take keeps them.
func TestRestore(t *testing.T) {
	d := openDB(t)
	mustTake(t, d, Want{Container: "early", Hostonly: hostonly}) // holds 10.101.0.2
	w := nat("web")
	err := d.Update(context.Background(), func(tx *ipam.Tx) error {
		if err := Restore(tx, w, usedIn(t, rendered)); err != nil {
			return err
		}
		_, err := Take(tx, w)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h, i := Interfaces(held(t, d, "web"))
	if h == nil || i == nil || h.IPv4.String() != "10.101.0.9/16" || h.MAC != "02:6e:6c:00:00:07" ||
		i.IPv4.String() != "10.202.0.5/16" || i.MAC != "02:6e:6c:00:00:08" || i.IPv6.String() != "2001:db8:1:1::5/64" || h.Bridge != "brNC-hostonly" {
		t.Errorf("restored %+v %+v", h, i)
	}
	// A static address comes back static; one in use is an error.
	st := Want{Container: "st", Hostonly: hostonly, Static: netip.MustParseAddr("10.101.0.9")}
	err = d.Update(context.Background(), func(tx *ipam.Tx) error { return Restore(tx, st, usedIn(t, rendered)) })
	if err == nil || !strings.Contains(err.Error(), "web") {
		t.Errorf("restoring an address another container holds: %v", err)
	}
	// An address outside the subnets asked for now is left to Take.
	moved := Want{Container: "moved", Hostonly: Subnet{Key: PoolKey{"br0", netip.MustParsePrefix("192.168.0.0/24")}}}
	elsewhere := []Used{{Name: "hostonly", HWAddr: "02:6e:6c:00:01:00", IPv4: netip.MustParsePrefix("10.101.0.77/16")}}
	err = d.Update(context.Background(), func(tx *ipam.Tx) error { return Restore(tx, moved, elsewhere) })
	if err != nil || purposes(held(t, d, "moved")) != "hostonly/mac" {
		t.Errorf("restoring into another subnet: %v, holds %q", err, purposes(held(t, d, "moved")))
	}
}

func TestRestoreStatic(t *testing.T) {
	d := openDB(t)
	st := Want{Container: "st", Hostonly: hostonly, Static: netip.MustParseAddr("10.101.0.9")}
	err := d.Update(context.Background(), func(tx *ipam.Tx) error {
		if err := Restore(tx, st, usedIn(t, rendered)); err != nil {
			return err
		}
		_, err := Take(tx, st)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ls := held(t, d, "st")
	if !ls[0].Static || !Holds(ls, st) {
		t.Errorf("a static address restored as %+v", ls)
	}
}

func TestPoolKeys(t *testing.T) {
	k := PoolKey{"brNC-hostonly", netip.MustParsePrefix("10.101.3.4/16")}
	if k.String() != "brNC-hostonly|10.101.0.0/16" {
		t.Errorf("String = %q", k.String())
	}
	back, ok := ParsePoolKey(k.String())
	if !ok || back.Bridge != k.Bridge || back.Prefix != netip.MustParsePrefix("10.101.0.0/16") {
		t.Errorf("ParsePoolKey(%q) = %+v, %v", k.String(), back, ok)
	}
	for _, bad := range []string{"mac", "idmap:100000", "br|nonsense"} {
		if _, ok := ParsePoolKey(bad); ok {
			t.Errorf("ParsePoolKey(%q) accepted it", bad)
		}
	}
}

func TestByContainer(t *testing.T) {
	d := openDB(t)
	mustTake(t, d, nat("a"))
	mustTake(t, d, Want{Container: "b", Hostonly: hostonly})
	all, _ := d.All(context.Background())
	got := ByContainer(all)
	if got["a"].IPv4.String() != "10.101.0.2" || got["a"].IPv6.String() != "2001:db8:1:1::2" || got["b"].IPv4.String() != "10.101.0.3" || got["b"].IPv6.IsValid() {
		t.Errorf("ByContainer = %+v", got)
	}
}

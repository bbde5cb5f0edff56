package ipam

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var hostonly = Subnet{Name: "brNC-hostonly", Prefix: netip.MustParsePrefix("10.101.0.0/16"), Host: netip.MustParseAddr("10.101.0.1")}

func open(t testing.TB) *DB {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "ipam.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func allocate(t testing.TB, d *DB, p Pool, container string) int64 {
	t.Helper()
	var n int64
	err := d.Update(context.Background(), func(tx *Tx) error {
		var err error
		n, err = tx.Allocate(p, container, "hostonly/4")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func release(t testing.TB, d *DB, container string) {
	t.Helper()
	if err := d.Update(context.Background(), func(tx *Tx) error { _, err := tx.Release(container); return err }); err != nil {
		t.Fatal(err)
	}
}

// nixcloud-container's own test: the first container gets .2, and after a
// destroy the next gets .2 again, then .3.
func TestLowestFreeAndReuse(t *testing.T) {
	d := open(t)
	p := hostonly.Pool()
	addr := func(c string) string { return hostonly.Addr(allocate(t, d, p, c)).String() }
	if got := addr("a"); got != "10.101.0.2" {
		t.Fatalf("first = %s, want 10.101.0.2", got)
	}
	if got := addr("a"); got != "10.101.0.2" {
		t.Fatalf("allocating again for the same container = %s, want it kept", got)
	}
	release(t, d, "a")
	if got := addr("b"); got != "10.101.0.2" {
		t.Fatalf("after release = %s, want 10.101.0.2 reused", got)
	}
	if got := addr("c"); got != "10.101.0.3" {
		t.Fatalf("next = %s, want 10.101.0.3", got)
	}
	addr("d") // .4
	release(t, d, "c")
	if got := addr("e"); got != "10.101.0.3" {
		t.Fatalf("lowest free = %s, want 10.101.0.3", got)
	}
}

func TestStatic(t *testing.T) {
	d := open(t)
	p := hostonly.Pool()
	ctx := context.Background()
	reserve := func(c, ip string) error {
		n, err := hostonly.Num(netip.MustParseAddr(ip))
		if err != nil {
			return err
		}
		return d.Update(ctx, func(tx *Tx) error { return tx.Reserve(p, n, c, "hostonly/4") })
	}
	if err := reserve("static", "10.101.0.3"); err != nil {
		t.Fatal(err)
	}
	// Automatic allocation steps over the static address.
	if got := hostonly.Addr(allocate(t, d, p, "a")); got.String() != "10.101.0.2" {
		t.Errorf("got %s", got)
	}
	if got := hostonly.Addr(allocate(t, d, p, "b")); got.String() != "10.101.0.4" {
		t.Errorf("got %s, want .4 (.3 is static)", got)
	}
	var taken *TakenError
	if err := reserve("other", "10.101.0.3"); !errors.As(err, &taken) || taken.Holder != "static" {
		t.Errorf("reserving a held static: %v, want TakenError naming static", err)
	}
	if err := reserve("other", "10.101.0.2"); !errors.As(err, &taken) || taken.Holder != "a" {
		t.Errorf("reserving an automatic one: %v, want TakenError naming a", err)
	}
	for _, bad := range []string{"10.101.0.0", "10.101.255.255", "10.101.0.1", "10.102.0.5"} {
		if err := reserve("other", bad); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("reserving %s: %v, want ErrOutOfRange", bad, err)
		}
	}
	// A released static below the mark is free again for anyone.
	release(t, d, "static")
	if got := hostonly.Addr(allocate(t, d, p, "c")); got.String() != "10.101.0.3" {
		t.Errorf("got %s, want the freed static .3", got)
	}
	// A static above the mark, released, is free without being listed.
	if err := reserve("high", "10.101.1.0"); err != nil {
		t.Fatal(err)
	}
	release(t, d, "high")
	if err := reserve("high2", "10.101.1.0"); err != nil {
		t.Errorf("re-reserving a released high static: %v", err)
	}
}

func TestExhausted(t *testing.T) {
	d := open(t)
	small := Subnet{Name: "small", Prefix: netip.MustParsePrefix("10.9.0.0/29"), Host: netip.MustParseAddr("10.9.0.1")}.Pool()
	for i := 0; i < 5; i++ { // .2 to .6
		allocate(t, d, small, fmt.Sprint("c", i))
	}
	err := d.Update(context.Background(), func(tx *Tx) error { _, err := tx.Allocate(small, "x", "hostonly/4"); return err })
	if !errors.Is(err, ErrExhausted) {
		t.Fatalf("got %v, want ErrExhausted", err)
	}
}

func TestTransactionAllOrNothing(t *testing.T) {
	d := open(t)
	ctx := context.Background()
	err := d.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Allocate(hostonly.Pool(), "a", "hostonly/4"); err != nil {
			return err
		}
		return errors.New("a later step failed")
	})
	if err == nil {
		t.Fatal("no error")
	}
	if leases, _ := d.Leases(ctx, "a"); len(leases) != 0 {
		t.Errorf("a failed transaction left %v", leases)
	}
}

func TestSubnetV6(t *testing.T) {
	s := Subnet{Name: "v6", Prefix: netip.MustParsePrefix("2001:db8:1:1::/64"), Host: netip.MustParseAddr("2001:db8:1:1::1")}
	if got := s.Addr(2).String(); got != "2001:db8:1:1::2" {
		t.Errorf("Addr(2) = %s", got)
	}
	if n, err := s.Num(netip.MustParseAddr("2001:db8:1:1::1:0")); err != nil || n != 65536 {
		t.Errorf("Num = %d, %v", n, err)
	}
	if _, err := s.Num(netip.MustParseAddr("2001:db8:1:2::5")); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("outside: %v", err)
	}
	d := open(t)
	if got := s.Addr(allocate(t, d, s.Pool(), "a")).String(); got != "2001:db8:1:1::2" {
		t.Errorf("first v6 = %s", got)
	}
	odd := Subnet{Name: "v6b", Prefix: netip.MustParsePrefix("2a01:4f8:221:3744:4000::/66"), Host: netip.MustParseAddr("2a01:4f8:221:3744:4000::1")}
	if got := odd.Addr(allocate(t, d, odd.Pool(), "a")).String(); got != "2a01:4f8:221:3744:4000::2" {
		t.Errorf("first in a /66 = %s", got)
	}
}

func TestMACAndIDs(t *testing.T) {
	if got := MAC(0x010203); got != "02:6e:6c:01:02:03" {
		t.Errorf("MAC = %s", got)
	}
	p := IDPool(100000, 65536*3)
	if p.First != 0 || p.Last != 2 || IDBase(100000, 2) != 231072 {
		t.Errorf("IDPool = %+v", p)
	}
}

// Several processes' worth of concurrent allocations: no number is lost or
// given twice.
func TestConcurrentAllocation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ipam.db")
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			d, err := Open(path) // its own connection, as another process has
			if err != nil {
				errs <- err
				return
			}
			defer d.Close()
			for i := 0; i < each; i++ {
				if err := d.Update(context.Background(), func(tx *Tx) error {
					_, err := tx.Allocate(hostonly.Pool(), fmt.Sprintf("c%d-%d", w, i), "hostonly/4")
					return err
				}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	d := open(t)
	d.Close()
	d, _ = Open(path)
	defer d.Close()
	all, _ := d.All(context.Background())
	seen := map[int64]string{}
	for _, l := range all {
		if other, dup := seen[l.Num]; dup {
			t.Errorf("%d given to %s and %s", l.Num, other, l.Container)
		}
		seen[l.Num] = l.Container
	}
	if len(all) != workers*each {
		t.Errorf("%d leases, want %d", len(all), workers*each)
	}
	for n := int64(2); n < 2+workers*each; n++ {
		if _, ok := seen[n]; !ok {
			t.Errorf("%d was skipped: allocation is not lowest-free", n)
		}
	}
}

func FuzzSubnetNum(f *testing.F) {
	f.Add("10.101.0.0/16", "10.101.3.4")
	f.Add("2001:db8::/64", "2001:db8::ffff")
	f.Fuzz(func(t *testing.T, prefix, addr string) {
		p, err1 := netip.ParsePrefix(prefix)
		a, err2 := netip.ParseAddr(addr)
		if err1 != nil || err2 != nil || p.Addr().Is4() != a.Is4() || a.Zone() != "" || p.Addr().Is4In6() || a.Is4In6() {
			return
		}
		s := Subnet{Name: "f", Prefix: p.Masked()}
		n, err := s.Num(a)
		if err != nil {
			return
		}
		if got := s.Addr(n); got != a {
			t.Fatalf("Num(%s) = %d, Addr(%d) = %s", a, n, n, got)
		}
		if !p.Contains(a) || n <= 0 || n > s.Pool().Last {
			t.Fatalf("accepted %s in %s as %d", a, p, n)
		}
	})
}

func TestSubIDs(t *testing.T) {
	uids := ParseSubIDs("alice:100000:65536\nroot:100000:655360\nroot:bad:1\n# x\n", "root")
	gids := ParseSubIDs("root:100000:655360\n", "root")
	if len(uids) != 1 || uids[0] != (SubIDRange{100000, 655360}) {
		t.Fatalf("parsed %+v", uids)
	}
	start, p, err := IDPoolFor(uids, gids)
	if err != nil || start != 100000 || p.Last != 9 {
		t.Errorf("IDPoolFor = %d, %+v, %v", start, p, err)
	}
	if _, _, err := IDPoolFor(uids, ParseSubIDs("root:200000:65536", "root")); err == nil {
		t.Error("a uid range the gid ranges do not cover was accepted")
	}
	if !Covered(uids, gids, 100000) || Covered(uids, gids, 100000+655360-1) {
		t.Error("Covered is wrong at the edges")
	}
}

// A host address that moves within a pool is reserved from then on.
func TestMovedHostAddress(t *testing.T) {
	d := open(t)
	s := Subnet{Name: "v6", Prefix: netip.MustParsePrefix("2001:db8::/64"), Host: netip.MustParseAddr("2001:db8::1")}
	allocate(t, d, s.Pool(), "a") // ::2
	allocate(t, d, s.Pool(), "b") // ::3
	s.Host = netip.MustParseAddr("2001:db8::4")
	if got := s.Addr(allocate(t, d, s.Pool(), "c")); got.String() != "2001:db8::5" {
		t.Errorf("after the host moved to ::4, c got %s", got)
	}
}

func TestOpenGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nixlxc.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("garbage, not SQLite "), 500), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open of a garbage file = %v, want ErrCorrupt", err)
	}
	aside, err := SetAside(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(aside); err != nil {
		t.Errorf("the unreadable file was not kept: %v", err)
	}
	d, err := Open(path)
	if err != nil {
		t.Fatalf("Open after SetAside: %v", err)
	}
	d.Close()
}

// A lease restored at the number a container uses (after a lost database)
// is kept by the container's next Allocate; a static one would be given up.
func TestRestoreIsKeptByAllocate(t *testing.T) {
	d := open(t)
	ctx := context.Background()
	err := d.Update(ctx, func(tx *Tx) error {
		if err := tx.Restore(hostonly.Pool(), 7, "a", "hostonly/4"); err != nil {
			return err
		}
		n, err := tx.Allocate(hostonly.Pool(), "a", "hostonly/4")
		if err != nil {
			return err
		}
		if n != 7 {
			t.Errorf("Allocate after Restore gave %d, want 7", n)
		}
		if n, err := tx.Allocate(hostonly.Pool(), "b", "hostonly/4"); err != nil || n == 7 {
			t.Errorf("another container got %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The database and its WAL files are root's alone: they hold every
// container's addresses and id ranges.
func TestOnlyItsOwnerReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leases.db")
	os.WriteFile(path, nil, 0o644) // as an older nixlxc left it
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	allocate(t, d, hostonly.Pool(), "a")
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if st, err := os.Stat(f); err == nil && st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v", f, st.Mode().Perm())
		}
	}
}

package bridges

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/internal/testenv"
	"golang.org/x/sys/unix"
)

func fwd(proto string, host string, port uint16, to string) Forward {
	f := Forward{Protocol: proto, HostPort: port, To: netip.MustParseAddrPort(to)}
	if host != "" {
		f.HostAddr = netip.MustParseAddr(host)
	}
	return f
}

func TestForwardConflicts(t *testing.T) {
	all := map[string][]Forward{
		"web": {fwd("tcp", "", 8080, "10.202.0.2:80"), fwd("tcp", "", 8080, "[2001:db8::2]:80")},
		"dns": {fwd("udp", "198.51.100.1", 53, "10.101.0.3:53")},
	}
	for _, c := range []struct {
		fs    []Forward
		owner string
	}{
		{[]Forward{fwd("tcp", "", 8080, "10.101.0.4:80")}, "web"},
		{[]Forward{fwd("tcp", "198.51.100.1", 8080, "10.101.0.4:80")}, "web"},
		{[]Forward{fwd("tcp", "2001:db8::1", 8080, "[2001:db8::4]:80")}, "web"},
		{[]Forward{fwd("udp", "", 53, "10.101.0.4:53")}, "dns"},
		{[]Forward{fwd("udp", "198.51.100.2", 53, "10.101.0.4:53")}, ""},
		{[]Forward{fwd("tcp", "", 53, "10.101.0.4:53")}, ""},
		{[]Forward{fwd("udp", "", 53, "[2001:db8::4]:53")}, ""},
	} {
		err := conflict(all, "new", c.fs)
		var ce *ConflictError
		switch {
		case c.owner == "" && err != nil:
			t.Errorf("%v: %v, want no conflict", c.fs, err)
		case c.owner != "" && (!errors.As(err, &ce) || ce.Owner != c.owner || !errors.Is(err, ErrInvalid)):
			t.Errorf("%v: %v, want a conflict with %s", c.fs, err, c.owner)
		}
	}
	// A container's own forwards are no conflict with itself.
	if err := conflict(all, "web", all["web"]); err != nil {
		t.Errorf("web against itself: %v", err)
	}
	if got := fwd("tcp", "2001:db8::1", 8080, "[2001:db8::4]:80").Port(); got != "tcp [2001:db8::1]:8080" {
		t.Errorf("Port() = %q", got)
	}
	for _, bad := range []Forward{
		fwd("sctp", "", 1, "10.0.0.1:1"),
		fwd("tcp", "", 0, "10.0.0.1:1"),
		fwd("tcp", "", 1, "10.0.0.1:0"),
		fwd("tcp", "2001:db8::1", 1, "10.0.0.1:1"),
		fwd("tcp", "", 1, "[::ffff:10.0.0.1]:1"),
	} {
		if bad.check() == nil {
			t.Errorf("%+v passed its check", bad)
		}
	}
}

// inNetns runs fn on a thread of its own in a fresh network namespace
// (the thread is discarded afterwards).
func inNetns(t testing.TB, fn func()) {
	testenv.RequireRoot(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			t.Errorf("unshare: %v", err)
			return
		}
		fn()
	}()
	<-done
}

// testHost is an installation whose state directory is dir.
func testHost(dir string) Host {
	return Host{ConfigPath: filepath.Join(dir, "host.json"), RecordPath: filepath.Join(dir, "rec.json"),
		LockPath: filepath.Join(dir, "lock"), Installation: dir, NamespaceLockDir: filepath.Join(dir, "netns-locks")}
}

// TestSetForwards: one container's forwards are replaced alone, in the
// kernel and in the record; a taken port is refused; setup puts every
// recorded forward back; brNC-hostonly forwards only while ports are
// forwarded.
func TestSetForwards(t *testing.T) {
	dir := t.TempDir()
	h := testHost(dir)
	h.ForwardsPath = filepath.Join(dir, "forwards.json")
	ctx := context.Background()
	inNetns(t, func() {
		// Before setup: recorded only.
		if err := h.SetForwards(ctx, "a", []Forward{fwd("tcp", "", 8080, "10.101.0.2:80")}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Setup(ctx, HostConfig{}); err != nil {
			t.Fatal(err)
		}
		counts := func() map[string]int {
			c, err := ForwardRules()
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := counts(); c["a"] != RulesPerForward || len(c) != 1 {
			t.Errorf("after setup: %v", c)
		}
		if v, _ := readSysctl("net/ipv4/conf/" + Hostonly + "/forwarding"); v != "1" {
			t.Errorf("hostonly forwarding %s with a forward", v)
		}
		if err := h.SetForwards(ctx, "b", []Forward{fwd("udp", "", 53, "10.202.0.3:53"), fwd("udp", "", 53, "[2001:db8::3]:53")}); err != nil {
			t.Fatal(err)
		}
		err := h.SetForwards(ctx, "c", []Forward{fwd("tcp", "", 8080, "10.101.0.4:80")})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Owner != "a" || !strings.Contains(err.Error(), "tcp 8080") {
			t.Errorf("a taken port: %v", err)
		}
		if err := h.SetForwards(ctx, "a", []Forward{fwd("tcp", "", 8081, "10.101.0.2:80"), fwd("tcp", "", 8082, "10.101.0.2:81")}); err != nil {
			t.Fatal(err)
		}
		if c := counts(); c["a"] != 2*RulesPerForward || c["b"] != 2*RulesPerForward || c["c"] != 0 {
			t.Errorf("after replacing a's: %v", c)
		}
		// As many rules as before, other ports: replaced all the same.
		if err := h.SetForwards(ctx, "a", []Forward{fwd("tcp", "", 8083, "10.101.0.2:80"), fwd("tcp", "", 8084, "10.101.0.2:81")}); err != nil {
			t.Fatal(err)
		}
		if out, err := runNft("list chain inet nixlxc prerouting"); err != nil || !strings.Contains(out, "dport 8083") || strings.Contains(out, "dport 8081") {
			t.Errorf("after replacing a's ports: %s %v", out, err)
		}
		// A flushed ruleset comes back whole with setup.
		if out, err := runNft("flush ruleset"); err != nil {
			t.Skipf("nft: %v %s", err, out)
		}
		if _, err := h.Setup(ctx, HostConfig{}); err != nil {
			t.Fatal(err)
		}
		if c := counts(); c["a"] != 2*RulesPerForward || c["b"] != 2*RulesPerForward {
			t.Errorf("after a flush and setup: %v", c)
		}
		for _, n := range []string{"a", "b"} {
			if err := h.SetForwards(ctx, n, nil); err != nil {
				t.Fatal(err)
			}
		}
		if c := counts(); len(c) != 0 {
			t.Errorf("after removing all: %v", c)
		}
		if v, _ := readSysctl("net/ipv4/conf/" + Hostonly + "/forwarding"); v != "0" {
			t.Errorf("hostonly forwarding %s without forwards", v)
		}
		all, err := h.Forwards(ctx)
		if err != nil || len(all) != 0 {
			t.Errorf("recorded after removing all: %v, %v", all, err)
		}
		// Rules in the tables the record lost (a crash between the two):
		// ClearForwards takes them all the same.
		if err := h.SetForwards(ctx, "ghost", []Forward{fwd("tcp", "", 9999, "10.101.0.9:80")}); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(h.ForwardsPath, []byte("{}\n"), 0o600)
		if c := counts(); c["ghost"] != RulesPerForward {
			t.Fatalf("ghost's rules: %v", c)
		}
		if err := h.ClearForwards(ctx, "ghost"); err != nil {
			t.Fatal(err)
		}
		if c := counts(); len(c) != 0 {
			t.Errorf("after ClearForwards: %v", c)
		}
	})
}

// BenchmarkSetForwards: replacing one container's forwards with 50 other
// containers' in the chains (what create, update and destroy pay).
func BenchmarkSetForwards(b *testing.B) {
	dir := b.TempDir()
	h := testHost(dir)
	h.ForwardsPath = filepath.Join(dir, "forwards.json")
	ctx := context.Background()
	inNetns(b, func() {
		if _, err := h.Setup(ctx, HostConfig{}); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			if err := h.SetForwards(ctx, fmt.Sprintf("c%d", i), []Forward{fwd("tcp", "", uint16(10000+i), "10.101.0.9:80")}); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := h.SetForwards(ctx, "x", []Forward{fwd("tcp", "", uint16(20000+i%2), "10.101.0.8:80")}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// runNft flushes with the nft tool, as a user (or NixOS) would; the test
// may use it, nixlxc never does.
func runNft(args string) (string, error) {
	if _, err := os.Stat("/usr/sbin/nft"); err != nil {
		return "", err
	}
	return execOutput("/usr/sbin/nft", strings.Fields(args)...)
}

func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

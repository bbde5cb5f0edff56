package bridges

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
)

func alias(t *testing.T, name string) string {
	t.Helper()
	l, err := netlink.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return l.Attrs().Alias
}

// TestOneInstallationPerNamespace, in a network namespace of its own: the
// bridges carry the mark of the installation that set them up; another
// installation's setup and teardown refuse, naming it, and change
// nothing; once the first has torn down, the second takes the namespace.
// A bridge the host made keeps existing, without the mark, after teardown.
func TestOneInstallationPerNamespace(t *testing.T) {
	ctx := context.Background()
	a, b := testHost(t.TempDir()), testHost(t.TempDir())
	b.NamespaceLockDir = a.NamespaceLockDir
	inNetns(t, func() {
		// The host's own brNC-hostonly, there before nixlxc.
		if err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: Hostonly}}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Setup(ctx, HostConfig{HostonlyIsolated: true}); err != nil {
			t.Fatal(err)
		}
		for _, br := range []string{Hostonly, Internet} {
			if got := alias(t, br); got != markPrefix+a.Installation {
				t.Errorf("%s's alias is %q", br, got)
			}
		}
		if a.Foreign() != nil {
			t.Errorf("the installation's own network is foreign to it: %v", a.Foreign())
		}
		for what, err := range map[string]error{
			"foreign":  b.Foreign(),
			"setup":    func() error { _, err := b.Setup(ctx, HostConfig{}); return err }(),
			"ensure":   b.Ensure(ctx, HostConfig{}),
			"teardown": b.Teardown(ctx),
		} {
			if !errors.Is(err, ErrOtherInstallation) || !strings.Contains(err.Error(), a.Installation) {
				t.Errorf("the other installation's %s: %v", what, err)
			}
		}
		if diff, err := a.Differences(); err != nil || len(diff) > 0 {
			t.Errorf("after the other installation's attempts: %v, %v", diff, err)
		}

		// Its mark gone (an older nixlxc's bridges): a difference, which
		// the next setup mends.
		l, _ := netlink.LinkByName(Internet)
		netlink.LinkSetAlias(l, "")
		if diff, _ := a.Differences(); !slices.Contains(diff, Internet+" without this installation's mark") {
			t.Errorf("an unmarked bridge: %v", diff)
		}
		if err := a.Ensure(ctx, HostConfig{HostonlyIsolated: true}); err != nil {
			t.Fatal(err)
		}
		if got := alias(t, Internet); got != markPrefix+a.Installation {
			t.Errorf("after the next setup, %s's alias is %q", Internet, got)
		}

		if err := a.Teardown(ctx); err != nil {
			t.Fatal(err)
		}
		if LinkExists(Internet) || !LinkExists(Hostonly) || alias(t, Hostonly) != "" {
			t.Errorf("teardown: %s exists %v; %s exists %v with alias %q", Internet, LinkExists(Internet), Hostonly, LinkExists(Hostonly), alias(t, Hostonly))
		}
		if _, err := b.Setup(ctx, HostConfig{}); err != nil {
			t.Fatalf("the namespace after the first installation's teardown: %v", err)
		}
		if err := a.Ensure(ctx, HostConfig{}); !errors.Is(err, ErrOtherInstallation) || !strings.Contains(err.Error(), b.Installation) {
			t.Errorf("the first installation after the second took the namespace: %v", err)
		}
	})
}

// TestDifferences, in a network namespace of its own: a rule deleted by
// hand is a difference, named by its chain; the next setup mends it.
func TestDifferences(t *testing.T) {
	ctx := context.Background()
	h := testHost(t.TempDir())
	inNetns(t, func() {
		if diff, err := h.Differences(); err != nil || len(diff) > 0 {
			t.Errorf("before any setup: %v, %v", diff, err)
		}
		c := HostConfig{HostonlyIsolated: true}
		if _, err := h.Setup(ctx, c); err != nil {
			t.Fatal(err)
		}
		if diff, err := h.Differences(); err != nil || len(diff) > 0 {
			t.Fatalf("after setup: %v, %v", diff, err)
		}
		conn, err := nftables.New()
		if err != nil {
			t.Fatal(err)
		}
		conn.FlushChain(&nftables.Chain{Name: "input", Table: &nftables.Table{Name: TableName, Family: nftables.TableFamilyBridge}})
		conn.DelTable(&nftables.Table{Name: TableName, Family: nftables.TableFamilyINet})
		if err := conn.Flush(); err != nil {
			t.Fatal(err)
		}
		diff, err := h.Differences()
		want := []string{"no nftables table inet nixlxc", "rules of chain input of nftables table bridge nixlxc changed"}
		if err != nil || !slices.Equal(diff, want) {
			t.Errorf("differences: %q, %v\nwant %q", diff, err, want)
		}
		if Ready(c, h.Record(), h.Installation) {
			t.Error("ready with rules missing")
		}
		if err := h.Ensure(ctx, c); err != nil {
			t.Fatal(err)
		}
		if diff, err := h.Differences(); err != nil || len(diff) > 0 {
			t.Errorf("after the next setup: %v, %v", diff, err)
		}
		if err := h.Teardown(ctx); err != nil {
			t.Fatal(err)
		}
		// Namespaces come and go: their lock files do not stay.
		if left, _ := filepath.Glob(filepath.Join(h.NamespaceLockDir, "*")); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	})
}

package container

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/ipam"
)

// Id ranges come from root's subordinate ids, one 65536-id range each, and
// running out is a clear error.
func TestIDRanges(t *testing.T) {
	dir := t.TempDir()
	oldU, oldG := subuidFile, subgidFile
	t.Cleanup(func() { subuidFile, subgidFile = oldU, oldG })
	subuidFile, subgidFile = filepath.Join(dir, "subuid"), filepath.Join(dir, "subgid")
	os.WriteFile(subuidFile, []byte("alice:100000:65536\nroot:100000:131072\n"), 0o644)
	os.WriteFile(subgidFile, []byte("root:100000:131072\n"), 0o644)

	nw := &network{}
	d, err := ipam.Open(filepath.Join(dir, "ipam.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	nw.leases = d
	lease := func(name string, shared bool) (*record, error) {
		rec := &record{Name: name, SharedIDMap: shared}
		return rec, d.Update(context.Background(), func(tx *ipam.Tx) error { return nw.leaseIDs(tx, rec) })
	}
	a, err := lease("a", false)
	if err != nil || a.IDMapBase != 100000 {
		t.Fatalf("a: %d, %v", a.IDMapBase, err)
	}
	b, err := lease("b", false)
	if err != nil || b.IDMapBase != 165536 {
		t.Fatalf("b: %d, %v", b.IDMapBase, err)
	}
	if _, err := lease("c", false); err == nil || !strings.Contains(err.Error(), "no free id range") || !strings.Contains(err.Error(), subuidFile) {
		t.Errorf("a third container in two ranges: %v", err)
	}
	if _, err := lease("s", true); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "container a's own") {
		t.Errorf("shared while a holds 100000: %v", err)
	}
	if err := nw.releaseAll(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	s1, err := lease("s1", true)
	if err != nil || s1.IDMapBase != 100000 {
		t.Fatalf("s1: %d, %v", s1.IDMapBase, err)
	}
	if s2, err := lease("s2", true); err != nil || s2.IDMapBase != 100000 {
		t.Fatalf("s2: %d, %v", s2.IDMapBase, err)
	}
	// The shared range is nobody's own while shared containers exist...
	if _, err := lease("c", false); err == nil {
		t.Error("a container got the shared range as its own")
	}
	nw.releaseAll(context.Background(), "s1")
	nw.releaseAll(context.Background(), "s2")
	// ...and free again once they are gone.
	if c, err := lease("c", false); err != nil || c.IDMapBase != 100000 {
		t.Errorf("after the shared containers: %d, %v", c.IDMapBase, err)
	}
	os.WriteFile(subuidFile, []byte(""), 0o644)
	if _, err := lease("d", false); err == nil || !strings.Contains(err.Error(), "setup-host") {
		t.Errorf("without subordinate ids: %v", err)
	}
}

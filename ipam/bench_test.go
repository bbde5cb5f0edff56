package ipam

import (
	"context"
	"path/filepath"
	"testing"
)

func BenchmarkOpenRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ipam.db")
	d, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	d.Update(context.Background(), func(tx *Tx) error { _, err := tx.Allocate(Pool{Name: "p", First: 1, Last: 100}, "c", "x"); return err })
	d.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Leases(context.Background(), "c"); err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}

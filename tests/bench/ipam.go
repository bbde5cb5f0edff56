package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nixlxc/nixlxc/ipam"
)

var hostonly = ipam.Subnet{Name: "bench-hostonly", Prefix: mustPrefix("10.0.0.0/8"), Host: mustAddr("10.0.0.1")}

// Figure 3: allocate + release with 0, 1,000 and 60,000 leases held, and
// 200 allocations from concurrent processes.
func (b *bench) figIPAM() error {
	ctx := context.Background()
	for _, held := range []int{0, 1000, 60000} {
		dir, err := os.MkdirTemp("", "nixlxc-bench-ipam-")
		if err != nil {
			return err
		}
		d, err := ipam.Open(filepath.Join(dir, "ipam.db"))
		if err != nil {
			return err
		}
		pool := hostonly.Pool()
		for done := 0; done < held; {
			batch := min(1000, held-done)
			err := d.Update(ctx, func(tx *ipam.Tx) error {
				for i := 0; i < batch; i++ {
					if _, err := tx.Allocate(pool, fmt.Sprintf("held%d", done+i), "hostonly/4"); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			done += batch
		}
		label := fmt.Sprintf("ipam allocate + release (%d leases held)", held)
		for i := 0; i < 200; i++ {
			start := time.Now()
			err1 := d.Update(ctx, func(tx *ipam.Tx) error { _, err := tx.Allocate(pool, "bench", "hostonly/4"); return err })
			err2 := d.Update(ctx, func(tx *ipam.Tx) error { _, err := tx.Release("bench"); return err })
			b.rec.add(sample{at: start, elapsed: time.Since(start), label: label, ok: err1 == nil && err2 == nil})
		}
		d.Close()
		os.RemoveAll(dir)
	}

	// 200 allocations from 8 processes at once.
	dir, err := os.MkdirTemp("", "nixlxc-bench-ipam-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "ipam.db")
	d, err := ipam.Open(db)
	if err != nil {
		return err
	}
	d.Close()
	self, _ := os.Executable()
	const procs, each = 8, 25
	var wg sync.WaitGroup
	failures := 0
	var mu sync.Mutex
	start := time.Now()
	for p := 0; p < procs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			out, err := exec.Command(self, "-ipam-worker", db, "-count", strconv.Itoa(each), "-out", strconv.Itoa(p)).CombinedOutput()
			if err != nil {
				mu.Lock()
				failures++
				mu.Unlock()
				fmt.Fprintf(os.Stderr, "worker %d: %v: %s\n", p, err, out)
			}
		}(p)
	}
	wg.Wait()
	wall := time.Since(start)
	d, err = ipam.Open(db)
	if err != nil {
		return err
	}
	defer d.Close()
	all, err := d.All(ctx)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	dups := 0
	for _, l := range all {
		if seen[l.Num] {
			dups++
		}
		seen[l.Num] = true
	}
	b.rec.note("concurrent: %d processes x %d allocations in %.2f s: %d leases, %d duplicates, %d failed processes (target: 200, 0, 0)",
		procs, each, wall.Seconds(), len(all), dups, failures)
	return nil
}

// ipamWorkerMain allocates count addresses in its own process; any error,
// a busy database included, fails it.
func ipamWorkerMain(db string, count int) int {
	d, err := ipam.Open(db)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer d.Close()
	id := os.Getpid()
	for i := 0; i < count; i++ {
		err := d.Update(context.Background(), func(tx *ipam.Tx) error {
			_, err := tx.Allocate(hostonly.Pool(), fmt.Sprintf("w%d-%d", id, i), "hostonly/4")
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func mustAddr(s string) netip.Addr     { return netip.MustParseAddr(s) }

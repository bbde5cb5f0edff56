package container

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/nixlxc/nixlxc/internal/inputfile"
	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/leases"
)

// Id ranges: each container maps its 65536 ids onto a range of root's
// subordinate ids of its own, leased like an address, so no container's root
// can touch another's files. --shared-idmap keeps nixcloud-container's
// behaviour (every such container at 100000).
const (
	purposeIDMap = string(leases.IDMap)
	// sharedHolder holds the shared range while any shared container
	// exists, so no container gets it as its own.
	sharedHolder = "(shared)"
	// sharedPool counts the shared containers: one lease each.
	sharedPool = "idmap-shared"
)

// The files root's subordinate ids come from; tests may point elsewhere.
var (
	subuidFile = "/etc/subuid"
	subgidFile = "/etc/subgid"
)

func readSubIDs() (uids, gids []ipam.SubIDRange, err error) {
	u, err := inputfile.Read(subuidFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	g, err := inputfile.Read(subgidFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	return ipam.ParseSubIDs(string(u), "root"), ipam.ParseSubIDs(string(g), "root"), nil
}

// leaseIDs gives rec its id range (setting rec.IDMapBase) in tx.
func (m *Manager) leaseIDs(tx *ipam.Tx, rec *record) error {
	uids, gids, err := readSubIDs()
	if err != nil {
		return err
	}
	start, pool, poolErr := ipam.IDPoolFor(uids, gids)
	if !rec.SharedIDMap {
		if poolErr != nil {
			return poolErr
		}
		n, err := tx.Allocate(pool, rec.Name, purposeIDMap)
		if errors.Is(err, ipam.ErrExhausted) {
			return fmt.Errorf("no free id range for %s: root's %d subordinate ids in %s (from %d) are all given to containers, %d each; add a larger range", rec.Name, pool.Last+1, subuidFile, start, ipam.IDRangeSize)
		}
		if err != nil {
			return err
		}
		rec.IDMapBase = uint32(ipam.IDBase(start, n))
		return nil
	}

	base := int64(sharedIDMapBase)
	if !ipam.Covered(uids, gids, base) {
		return fmt.Errorf("--shared-idmap maps root to %d, but %s and %s give root no range covering %d-%d", base, subuidFile, subgidFile, base, base+ipam.IDRangeSize-1)
	}
	if _, err := tx.Allocate(ipam.Pool{Name: sharedPool, First: 1, Last: 1 << 40}, rec.Name, purposeIDMap); err != nil {
		return err
	}
	// When the shared range is one of the pool's, hold it for all shared
	// containers together.
	if poolErr == nil && base >= start && (base-start)%ipam.IDRangeSize == 0 && (base-start)/ipam.IDRangeSize <= pool.Last {
		num := (base - start) / ipam.IDRangeSize
		holder, held, err := tx.Holder(pool.Name, num)
		if err != nil {
			return err
		}
		switch {
		case !held:
			if err := tx.Reserve(pool, num, sharedHolder, purposeIDMap); err != nil {
				return err
			}
		case holder != sharedHolder:
			return fmt.Errorf("%w: --shared-idmap needs ids %d-%d, which are container %s's own", ErrInvalid, base, base+ipam.IDRangeSize-1, holder)
		}
	}
	rec.IDMapBase = uint32(base)
	return nil
}

// releaseAll frees every lease of a container, and the shared range once
// no shared container is left.
func (m *Manager) releaseAll(ctx context.Context, name string) error {
	d, err := m.db()
	if err != nil {
		return err
	}
	return d.Update(ctx, func(tx *ipam.Tx) error {
		if _, err := tx.Release(name); err != nil {
			return err
		}
		return releaseSharedIfUnused(tx)
	})
}

func releaseSharedIfUnused(tx *ipam.Tx) error {
	n, err := tx.Count(sharedPool)
	if err != nil || n > 0 {
		return err
	}
	_, err = tx.Release(sharedHolder)
	return err
}

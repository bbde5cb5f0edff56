package container

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/leases"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
)

// network is the containers' side of the host's network: the leases of
// their addresses, MACs and id ranges (planned by package leases), the
// interfaces those make, their host veths, and the host's bridges and
// firewall they need (through hostNetwork).
type network struct {
	paths layout
	recs  *records
	host  hostNetwork
	// Opened or read on first use, by goroutines too (autostart).
	mu      sync.Mutex
	leases  *ipam.DB
	hostCfg *bridges.HostConfig
	// note tells the user what a repair did.
	note func(format string, args ...any)
	// warn tells the user what nixlxc left undone, and why.
	warn func(container, format string, args ...any)
}

// resetLeaseDB sets an unreadable database aside; every container then
// leases again at the numbers its LXC config uses (a later repair).
func (nw *network) resetLeaseDB() error {
	nw.mu.Lock()
	if nw.leases != nil {
		nw.leases.Close()
		nw.leases = nil
	}
	nw.mu.Unlock()
	path := nw.paths.dbPath()
	if d, err := ipam.Open(path); err == nil {
		d.Close()
		return nil // another process reset it
	} else if !errors.Is(err, ipam.ErrCorrupt) {
		return err
	}
	aside, err := ipam.SetAside(path)
	if err != nil {
		return err
	}
	nw.note("the unreadable database is kept as %s", aside)
	_, err = nw.db()
	return err
}

// leaseIDs gives rec its id range (setting rec.IDMapBase) in tx.
func (nw *network) leaseIDs(tx *ipam.Tx, rec *record) error {
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
func (nw *network) releaseAll(ctx context.Context, name string) error {
	d, err := nw.db()
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

// db opens the lease database once per Manager.
func (nw *network) db() (*ipam.DB, error) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.leases != nil {
		return nw.leases, nil
	}
	d, err := ipam.Open(nw.paths.dbPath())
	if err != nil {
		return nil, err
	}
	nw.leases = d
	return d, nil
}

// want is what the container's settings call for, on this host now.
func (nw *network) want(name string, s spec.Settings) (leases.Want, error) {
	sub, err := nw.hostonlySubnet(s.Network)
	if err != nil {
		return leases.Want{}, err
	}
	w := leases.Want{Container: name, Hostonly: sub, UserBridge: !spec.IsNixlxcBridge(s.Network.Bridge)}
	if s.Network.IP != "" {
		st, err := spec.ParseStaticIP(s.Network.IP)
		if err != nil {
			return w, err
		}
		if st.Bits != 0 && st.Bits != sub.Key.Prefix.Bits() {
			return w, fmt.Errorf("%w network.ip %s: the bridge's subnet is %s", ErrInvalid, s.Network.IP, sub.Key.Prefix)
		}
		w.Static = st.Addr
	}
	if !s.Network.EnableNat {
		return w, nil
	}
	w.Internet = &leases.Subnet{Key: leases.PoolKey{Bridge: bridges.Internet, Prefix: bridges.InternetSubnet}, Host: bridges.InternetHost}
	host, err := nw.hostConfig()
	if err != nil {
		return w, err
	}
	if host.IPv6.Enable {
		prefix, _ := host.IPv6.PrefixValue()
		w.IPv6 = &leases.Subnet{Key: leases.PoolKey{Bridge: bridges.Internet, Prefix: prefix}, Host: host.IPv6.HostAddress()}
	}
	return w, nil
}

// leaseNetwork gives the container the addresses its settings ask for, and
// frees those it no longer needs, in one transaction. It returns the
// hostonly address (`ip` in modules) and the undo of the whole change.
func (nw *network) lease(ctx context.Context, rec *record, s spec.Settings) (string, func(), error) {
	noop := func() {}
	w, err := nw.want(rec.Name, s)
	if err != nil {
		return "", noop, err
	}
	d, err := nw.db()
	if err != nil {
		return "", noop, err
	}
	// Forgotten before and after: a crash in between must not leave a key
	// that says the config on disk matches leases that changed.
	nw.recs.forgetRenderKey(rec.Name)
	var before []ipam.Lease
	var ip netip.Addr
	err = d.Update(ctx, func(tx *ipam.Tx) error {
		if before, err = tx.Leases(rec.Name); err != nil {
			return err
		}
		ip, err = leases.Take(tx, w)
		return err
	})
	if err != nil {
		return "", noop, err
	}
	// The leases may have changed: the next start renders the config anew.
	nw.recs.forgetRenderKey(rec.Name)
	undo := func() {
		d.Update(context.Background(), func(tx *ipam.Tx) error { return tx.Replace(rec.Name, before) })
		nw.recs.forgetRenderKey(rec.Name)
	}
	return ip.String(), undo, nil
}

// leasesMatch reports whether the container holds exactly the leases its
// settings and the host's IPv6 prefix call for.
func (nw *network) holds(ctx context.Context, rec *record, s spec.Settings) (bool, error) {
	d, err := nw.db()
	if err != nil {
		return false, err
	}
	ls, err := d.Leases(ctx, rec.Name)
	if err != nil {
		return false, err
	}
	w, err := nw.want(rec.Name, s)
	if err != nil {
		return false, err
	}
	return leases.Holds(ls, w), nil
}

// allAddresses maps every container to its interfaces, in one query.
func (nw *network) allAddresses() (map[string]Addresses, error) {
	d, err := nw.db()
	if err != nil {
		return nil, err
	}
	all, err := d.All(context.Background())
	if err != nil {
		return nil, err
	}
	byContainer := map[string][]ipam.Lease{}
	for _, l := range all {
		byContainer[l.Container] = append(byContainer[l.Container], l)
	}
	out := make(map[string]Addresses, len(byContainer))
	for name, ls := range byContainer {
		out[name] = nw.addresses(name, ls)
	}
	return out, nil
}

// leaseAgain takes a container's leases again: its id range where the
// record says it is, its addresses and MACs at the numbers its rendered LXC
// config uses (its system may have been built with that address), and what
// is still missing from its current settings.
func (nw *network) leaseAgain(rec *record) error {
	db, err := nw.db()
	if err != nil {
		return err
	}
	settings := rec.Settings
	if system, err := nw.recs.currentSystem(rec.Name); err == nil {
		settings = generationSettings(system, rec.Settings)
	}
	err = db.Update(context.Background(), func(tx *ipam.Tx) error {
		if rec.SharedIDMap {
			if err := nw.leaseIDs(tx, rec); err != nil {
				return err
			}
		} else if _, ok, err := tx.Lease(rec.Name, purposeIDMap); err != nil {
			return err
		} else if !ok {
			uids, gids, err := readSubIDs()
			if err != nil {
				return err
			}
			start, pool, err := ipam.IDPoolFor(uids, gids)
			if err != nil {
				return err
			}
			num := (int64(rec.IDMapBase) - start) / ipam.IDRangeSize
			if err := tx.Reserve(pool, num, rec.Name, purposeIDMap); err != nil {
				return fmt.Errorf("its id range %d: %w", rec.IDMapBase, err)
			}
		}
		return nw.reserveFromConfig(tx, rec, settings)
	})
	if err != nil {
		return err
	}
	_, _, err = nw.lease(context.Background(), rec, settings)
	return err
}

// reserveFromConfig takes back the addresses and MACs the container's LXC
// config names, for the purposes it holds no lease for.
func (nw *network) reserveFromConfig(tx *ipam.Tx, rec *record, s spec.Settings) error {
	text, err := os.ReadFile(nw.paths.configPath(rec.Name))
	if err != nil {
		return nil // nothing rendered yet: leaseNetwork picks numbers
	}
	items, err := lxcconf.Parse(string(text))
	if err != nil {
		return nil
	}
	w, err := nw.want(rec.Name, s)
	if err != nil {
		return err
	}
	return leases.Restore(tx, w, leases.UsedInConfig(items))
}

// close releases the database.
func (nw *network) close() error {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.leases != nil {
		return nw.leases.Close()
	}
	return nil
}

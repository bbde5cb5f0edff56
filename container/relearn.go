package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/leases"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
)

// What doctor takes back from a container's rendered LXC config when
// nixlxc's own records of it are lost: its leases after a lost database,
// its record when that is unreadable. The config is nixlxc's own file
// (the container cannot write it) and holds the numbers the container
// really uses.

// leaseAgain takes a container's leases again: its id range where the
// record says it is, its addresses and MACs at the numbers its rendered LXC
// config uses (its system may have been built with that address), and what
// is still missing from its current settings.
func (m *Manager) leaseAgain(rec *record) error {
	db, err := m.db()
	if err != nil {
		return err
	}
	settings := rec.Settings
	if system, err := m.recs.currentSystem(rec.Name); err == nil {
		settings = generationSettings(system, rec.Settings)
	}
	err = db.Update(context.Background(), func(tx *ipam.Tx) error {
		if rec.SharedIDMap {
			if err := m.leaseIDs(tx, rec); err != nil {
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
		return m.reserveFromConfig(tx, rec, settings)
	})
	if err != nil {
		return err
	}
	_, _, err = m.leaseNetwork(context.Background(), rec, settings)
	return err
}

// reserveFromConfig takes back the addresses and MACs the container's LXC
// config names, for the purposes it holds no lease for.
func (m *Manager) reserveFromConfig(tx *ipam.Tx, rec *record, s spec.Settings) error {
	text, err := os.ReadFile(m.paths.configPath(rec.Name))
	if err != nil {
		return nil // nothing rendered yet: leaseNetwork picks numbers
	}
	items, err := lxcconf.Parse(string(text))
	if err != nil {
		return nil
	}
	w, err := m.want(rec.Name, s)
	if err != nil {
		return err
	}
	return leases.Restore(tx, w, leases.UsedInConfig(items))
}

// rebuildRecord writes a new record for a container whose record is
// unreadable: its id range from the LXC config, its settings from its
// current generation, the rest unknown (update then needs a file).
func (m *Manager) rebuildRecord(name string) error {
	if _, err := m.recs.load(name); !errors.Is(err, ErrCorrupt) {
		return err // readable again
	}
	text, err := os.ReadFile(m.paths.configPath(name))
	if err != nil {
		return fmt.Errorf("its LXC config, from which it would be rebuilt: %w", err)
	}
	items, err := lxcconf.Parse(string(text))
	if err != nil {
		return fmt.Errorf("its LXC config, from which it would be rebuilt: %w", err)
	}
	base, ok := idMapBase(items)
	if !ok {
		return fmt.Errorf("its LXC config %s names no id map", m.paths.configPath(name))
	}
	rec := &record{Name: name, IDMapBase: base}
	if st, err := os.Stat(m.paths.containerDir(name)); err == nil {
		rec.Created = st.ModTime().UTC()
	} else {
		rec.Created = time.Now().UTC()
	}
	if d, err := m.db(); err == nil {
		if leases, err := d.Leases(context.Background(), name); err == nil {
			for _, l := range leases {
				rec.SharedIDMap = rec.SharedIDMap || (l.Purpose == purposeIDMap && l.Pool == sharedPool)
			}
		}
	}
	if system, err := m.recs.currentSystem(name); err == nil {
		rec.Settings = generationSettings(system, spec.Settings{})
	}
	m.printf("%s: its record is rebuilt from its LXC config and profile; its config file is not known: give it to the next update\n", name)
	return m.recs.save(rec)
}

// idMapBase is the host uid the config maps container root to.
func idMapBase(items []lxcconf.Item) (uint32, bool) {
	for _, it := range items {
		f := strings.Fields(it.Value)
		if it.Key != "lxc.idmap" || len(f) != 4 || f[0] != "u" || f[1] != "0" {
			continue
		}
		n, err := strconv.ParseUint(f[2], 10, 32)
		return uint32(n), err == nil
	}
	return 0, false
}

package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
)

// What doctor takes back from a container's rendered LXC config when
// nixlxc's own records of it are lost: its leases after a lost database,
// its record when that is unreadable. The config is nixlxc's own file
// (the container cannot write it) and holds the numbers the container
// really uses.

// rebuildRecord writes a new record for a container whose record is
// unreadable: its id range from the LXC config, its settings from its
// current generation, the rest unknown (update then needs a file).
func (d *doctor) rebuildRecord(name string) error {
	if _, err := d.m.recs.load(name); !errors.Is(err, ErrCorrupt) {
		return err // readable again
	}
	text, err := os.ReadFile(d.m.paths.configPath(name))
	if err != nil {
		return fmt.Errorf("its LXC config, from which it would be rebuilt: %w", err)
	}
	items, err := lxcconf.Parse(string(text))
	if err != nil {
		return fmt.Errorf("its LXC config, from which it would be rebuilt: %w", err)
	}
	base, ok := idMapBase(items)
	if !ok {
		return fmt.Errorf("its LXC config %s names no id map", d.m.paths.configPath(name))
	}
	rec := &record{Name: name, IDMapBase: base}
	if st, err := os.Stat(d.m.paths.containerDir(name)); err == nil {
		rec.Created = st.ModTime().UTC()
	} else {
		rec.Created = time.Now().UTC()
	}
	if d, err := d.m.net.db(); err == nil {
		if leases, err := d.Leases(context.Background(), name); err == nil {
			for _, l := range leases {
				rec.SharedIDMap = rec.SharedIDMap || (l.Purpose == purposeIDMap && l.Pool == sharedPool)
			}
		}
	}
	if system, err := d.m.recs.currentSystem(name); err == nil {
		rec.Settings = generationSettings(system, spec.Settings{})
	}
	d.m.emit(Note, name, "%s: its record is rebuilt from its LXC config and profile; its config file is not known: give it to the next update", name)
	return d.m.recs.save(rec)
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

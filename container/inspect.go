package container

import (
	"context"
	"errors"
	"time"

	"github.com/nixlxc/nixlxc/cgroups"
	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/internal/procstat"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/spec"
)

// Details are everything `info` shows of one container. Only nixlxc's own
// records, liblxc, the profile and the host's view of the container's
// cgroups and processes are read: nothing the container says of itself.
type Details struct {
	Name    string
	State   string
	Created time.Time
	// PID is its init's host pid and Started when that began; zero when
	// it is not running.
	PID     int
	Started time.Time
	// Generation is the profile's current one, System its store path.
	Generation int
	System     string
	Interfaces Addresses
	Autostart  spec.Autostart
	// IDMapBase and IDCount are the host uids and gids its ids map to.
	IDMapBase   uint32
	IDCount     int
	SharedIDMap bool
	Source      Source
	// Usage is what its cgroups count, nil when it is not running.
	Usage *cgroups.Usage
}

// Describe gathers a container's details. Parts that cannot be read (its
// leases, while the database is unreadable) are left empty and named in
// the error, which comes with the rest.
func (m *Manager) Describe(ctx context.Context, name string) (Details, error) {
	rec, err := m.recs.load(name)
	if err != nil {
		return Details{}, err
	}
	d := Details{
		Name:        name,
		State:       lxcapi.Stopped,
		Created:     rec.Created,
		Autostart:   m.recs.autostartOf(rec),
		IDMapBase:   rec.IDMapBase,
		IDCount:     idCount,
		SharedIDMap: rec.SharedIDMap,
		Source:      m.recs.currentSource(rec),
	}
	if state, err := m.lxc.State(name); err == nil {
		d.State = state
	}
	if gens, err := m.paths.profile(name).List(); err == nil {
		if g, ok := generations.CurrentOf(gens); ok {
			d.Generation, d.System = g.Number, g.Path
		}
	}
	var errs []error
	if d.State == lxcapi.Running {
		if pid, err := m.lxc.InitPID(name); err == nil {
			d.PID = pid
			d.Started, _ = procstat.StartTime(pid)
			if cg, err := cgroups.ContainerOf(pid); err == nil {
				if u, err := cg.Usage(); err == nil {
					d.Usage = &u
				}
			}
		}
	}
	if db, err := m.net.db(); err != nil {
		errs = append(errs, err)
	} else if leases, err := db.Leases(ctx, name); err != nil {
		errs = append(errs, err)
	} else {
		d.Interfaces = m.net.addresses(name, leases)
	}
	return d, errors.Join(errs...)
}

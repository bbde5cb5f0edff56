package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/cgroups"
	"github.com/nixlxc/nixlxc/diagnose"
	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/leases"
	"github.com/nixlxc/nixlxc/lock"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/spec"
	"golang.org/x/sys/unix"
)

// Finding is one thing doctor found wrong.
type Finding struct {
	Problem  string `json:"problem"`
	Repaired bool   `json:"repaired"`
	// Advice is set when doctor cannot repair it itself.
	Advice string `json:"advice,omitempty"`
	Err    string `json:"error,omitempty"`
	// Note is what the repair said it did (where it kept a file, say).
	Note string `json:"note,omitempty"`
}

// Doctor looks for what an interrupted or killed nixlxc can leave behind
// and for records that disagree (package diagnose decides what is wrong;
// this file gathers what it looks at and runs the repairs). With repair it
// fixes what it can; a second repair finds nothing. Containers a command
// is working on right now are left alone.
func (m *Manager) Doctor(ctx context.Context, repair bool) ([]Finding, error) {
	d := &doctor{m: m}
	found := diagnose.Classify(d.survey(ctx))
	out := make([]Finding, 0, len(found))
	// What a repair prints (a destroy it finishes, say) belongs to its
	// finding, not to doctor's own output.
	callers := m.events
	defer func() { m.events = callers }()
	for _, f := range found {
		r := Finding{Problem: oneline.Clean(f.Problem), Advice: f.Advice}
		if repair && f.Repair != diagnose.NoRepair {
			var said []string
			m.events = func(e Event) { said = append(said, e.Text) }
			if err := d.repair(ctx, f); err != nil {
				r.Err = oneline.Clean(err.Error())
			} else {
				r.Repaired = true
			}
			r.Note = oneline.Clean(strings.Join(said, "; "))
		}
		out = append(out, r)
	}
	return out, nil
}

// doctor gathers what package diagnose looks at and runs the repairs it
// asks for, through the Manager's own operations.
type doctor struct {
	m *Manager
}

// survey gathers what doctor looks at. A check that cannot run is listed
// as such: doctor never reports a clean bill it did not check.
func (d *doctor) survey(ctx context.Context) diagnose.Listing {
	var l diagnose.Listing
	unchecked := func(check string, err error) {
		l.Unchecked = append(l.Unchecked, diagnose.Unchecked{Check: check, Err: oneline.Clean(err.Error())})
	}
	entries, err := os.ReadDir(d.m.paths.lxcPath())
	if err != nil {
		unchecked("the containers in "+d.m.paths.lxcPath(), err)
	}
	active := d.m.lxc.Active()
	var leases []ipam.Lease
	db, err := d.m.net.db()
	if err == nil {
		leases, err = db.All(ctx)
	}
	switch {
	case errors.Is(err, ipam.ErrCorrupt):
		l.LeaseDBErr = err.Error()
	case err != nil:
		unchecked("the leases", err)
	default:
		l.Holders = map[string][]string{}
		for _, ls := range leases {
			switch {
			case ls.Container == sharedHolder:
				l.SharedRangeHeld = true
			case ls.Pool == sharedPool:
				l.SharedUsers++
			}
			if ls.Container != sharedHolder && ls.Container != ipam.HostHolder {
				l.Holders[ls.Container] = append(l.Holders[ls.Container], ls.Purpose)
			}
		}
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || spec.CheckName(name) != nil {
			continue
		}
		names = append(names, name)
		l.Containers = append(l.Containers, d.surveyContainer(name, active[name], l.Holders))
	}
	l.Profiles = d.surveyProfiles(unchecked)
	l.Host = d.surveyHost(unchecked)
	// In another installation's network namespace, its veths are not
	// this installation's to remove.
	if l.Host.Other == "" && len(l.Host.OtherUnmarked) == 0 {
		if veths, err := d.m.net.host.StaleVeths(bridges.HostonlyVethPrefix, bridges.BridgeVethPrefix, bridges.InternetVethPrefix); err != nil {
			unchecked("host veths", err)
		} else {
			l.StaleVeths = veths
		}
	}
	l.Builds = d.surveyBuilds()
	l.GCRoots = d.surveyGCRoots()
	l.Locks = d.surveyLocks()
	var stopped []string
	for _, n := range names {
		if !active[n] {
			stopped = append(stopped, n)
		}
	}
	l.Cgroups = cgroups.EmptyMonitors(stopped)
	d.surveyForwards(ctx, &l, unchecked)
	return l
}

// surveyHost looks at the host's network: whose it is, what of it is
// there, and how it differs from what this installation's setup made.
func (d *doctor) surveyHost(unchecked func(string, error)) diagnose.Host {
	host := d.m.net.host
	h := diagnose.Host{Recorded: host.Recorded(), Present: host.Present()}
	var other *bridges.OtherInstallationError
	if err := host.Foreign(); errors.As(err, &other) {
		h.Other, h.OtherUnmarked = other.StateDir, other.Ports
		return h
	} else if err != nil {
		unchecked("whose the host's network is", err)
		return h
	}
	if diffs, err := host.Differences(); err != nil {
		unchecked("the host's network against its setup", err)
	} else {
		h.Differences = diffs
	}
	if ports, err := host.PortsInUse(); err != nil {
		unchecked("the bridges' ports", err)
	} else {
		h.InUse = len(ports) > 0
	}
	return h
}

func (d *doctor) surveyContainer(name string, running bool, holders map[string][]string) diagnose.Container {
	c := diagnose.Container{Name: name, Running: running, Busy: lock.Held(d.m.paths.lockPath(name))}
	if !running {
		c.EphemeralMounted, _ = d.m.paths.ownRootMount(name)
	}
	rec, err := d.m.recs.load(name)
	switch {
	case errors.Is(err, ErrCorrupt):
		c.Record = diagnose.RecordCorrupt
	case err != nil:
		c.Record = diagnose.RecordMissing
		return c
	default:
		c.Destroying = rec.Destroying
		c.Active = rec.Active
		if rec.Throwaway != nil && !rec.Throwaway.alive() {
			c.OrphanOf = rec.Throwaway.PID
		}
	}
	if holders != nil {
		have := map[string]bool{}
		for _, p := range holders[name] {
			have[p] = true
		}
		for _, p := range leases.Base {
			if !have[string(p)] {
				c.MissingLeases = append(c.MissingLeases, string(p))
			}
		}
	}
	if cur, err := d.m.recs.currentSystem(name); err == nil {
		c.Current = cur
	}
	gens, _ := d.m.paths.profile(name).List()
	for _, g := range gens {
		c.Generations = append(c.Generations, diagnose.Generation{Number: g.Number, Path: g.Path})
	}
	if running {
		// The container's own word: compared, never followed.
		if r, err := readReport(filepath.Join(d.m.paths.runDir(name), "current")); err == nil {
			c.Reported = oneline.Clean(truncate(r, 200))
		}
	}
	return c
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (d *doctor) surveyProfiles(unchecked func(string, error)) []diagnose.Profile {
	entries, err := os.ReadDir(d.m.paths.profileDir)
	if err != nil {
		unchecked("the profiles in "+d.m.paths.profileDir, err)
		return nil
	}
	var out []diagnose.Profile
	for _, e := range entries {
		name := e.Name()
		if spec.CheckName(name) != nil {
			continue
		}
		if _, err := os.Lstat(d.m.paths.containerDir(name)); err == nil {
			continue // removed with its container's directory
		}
		owner, _ := d.m.recs.profileOwner(name)
		out = append(out, diagnose.Profile{Name: name, Owner: diagnose.Owner(owner), Busy: lock.Held(d.m.paths.lockPath(name))})
	}
	return out
}

// surveyBuilds lists build result links (build-NAME-PID) and whether
// their nixlxc still runs.
func (d *doctor) surveyBuilds() []diagnose.Build {
	entries, _ := os.ReadDir(d.m.paths.tmpDir())
	var out []diagnose.Build
	for _, e := range entries {
		f := strings.Split(e.Name(), "-")
		if len(f) < 3 || f[0] != "build" {
			continue
		}
		pid, err := strconv.Atoi(f[len(f)-1])
		alive := err == nil && unix.Kill(pid, 0) == nil
		out = append(out, diagnose.Build{Path: filepath.Join(d.m.paths.tmpDir(), e.Name()), Alive: alive})
	}
	return out
}

// surveyGCRoots lists the GC roots that point into nixlxc's profiles or
// build results.
func (d *doctor) surveyGCRoots() []diagnose.GCRoot {
	entries, _ := os.ReadDir(d.m.paths.gcRootDir)
	var out []diagnose.GCRoot
	for _, e := range entries {
		root := filepath.Join(d.m.paths.gcRootDir, e.Name())
		target, err := os.Readlink(root)
		if err != nil {
			continue
		}
		if !strings.HasPrefix(target, d.m.paths.profileDir+"/") && !strings.HasPrefix(target, d.m.paths.tmpDir()+"/") {
			continue
		}
		_, err = os.Lstat(target)
		out = append(out, diagnose.GCRoot{Path: root, Target: target, TargetExists: err == nil})
	}
	return out
}

func (d *doctor) surveyLocks() []string {
	entries, _ := os.ReadDir(d.m.paths.locksDir())
	var out []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".lock")
		if ok && spec.CheckName(name) == nil && !lock.Held(d.m.paths.lockPath(name)) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// repair runs the repair of one finding. Repairs that change a container
// hold its lock, and leave it alone when a command holds it now.
func (d *doctor) repair(ctx context.Context, f diagnose.Finding) error {
	name := f.Subject
	switch f.Repair {
	case diagnose.ResetLeaseDB:
		return d.m.net.resetLeaseDB()
	case diagnose.RebuildRecord:
		return d.m.recs.withIdle(name, func() error { return d.rebuildRecord(name) })
	case diagnose.FinishDestroy, diagnose.DestroyThrowaway:
		return d.m.Destroy(ctx, name, true)
	case diagnose.RemoveContainerDir:
		return d.m.recs.withIdle(name, func() error {
			if d.m.recs.exists(name) {
				return nil
			}
			if err := d.m.recs.refuseMounts(name); err != nil {
				return err
			}
			d.m.lxc.Kill(name)
			return d.m.removeLeftovers(name)
		})
	case diagnose.RemoveProfile:
		return d.m.recs.withIdle(name, func() error {
			if d.m.recs.exists(name) || !d.m.recs.ownsProfile(name) {
				return nil
			}
			return d.m.paths.profile(name).RemoveAll()
		})
	case diagnose.PointProfile:
		return d.m.recs.withIdle(name, func() error {
			rec, err := d.m.recs.load(name)
			if err != nil {
				return err
			}
			if err := d.m.recs.switchProfile(ctx, name, f.Generation); err != nil {
				return err
			}
			gens, err := d.m.paths.profile(name).List()
			if err != nil {
				return err
			}
			return d.m.act().settle(ctx, rec, gens)
		})
	case diagnose.ReleaseLeases:
		return d.m.recs.withIdle(name, func() error {
			if d.m.recs.exists(name) {
				return nil
			}
			return d.m.net.release(name)
		})
	case diagnose.ReleaseSharedRange:
		db, err := d.m.net.db()
		if err != nil {
			return err
		}
		return db.Update(ctx, releaseSharedIfUnused)
	case diagnose.LeaseAgain:
		return d.m.recs.withIdle(name, func() error {
			rec, err := d.m.recs.usable(name)
			if err != nil {
				return err
			}
			return d.m.net.leaseAgain(rec)
		})
	case diagnose.DeleteVeth:
		return d.m.net.host.DeleteLink(name)
	case diagnose.RemoveBuild:
		os.Remove(filepath.Join(d.m.paths.gcRootDir, generations.GCRootName(name)))
		return os.Remove(name)
	case diagnose.RemoveGCRoot:
		return os.Remove(name)
	case diagnose.RemoveLock:
		return d.m.recs.withIdle(name, func() error { return nil })
	case diagnose.SetUpHost:
		c, err := d.m.net.hostConfig()
		if err != nil {
			return err
		}
		_, err = d.m.net.host.Setup(ctx, c)
		return err
	case diagnose.TearDownHost:
		return d.m.net.host.Teardown(ctx)
	case diagnose.RemoveCgroup:
		return cgroups.Remove(name)
	case diagnose.UnmountRootfs:
		return d.m.recs.withIdle(name, func() error {
			if state, err := d.m.lxc.State(name); err != nil || state != lxcapi.Stopped {
				return err
			}
			return d.m.paths.unmountEphemeral(name)
		})
	case diagnose.RemoveForwards, diagnose.SyncForwards:
		return d.repairForwards(ctx, f)
	}
	return fmt.Errorf("no repair for %q", f.Problem)
}

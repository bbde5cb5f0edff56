// Package diagnose decides what is wrong with an installation of nixlxc and
// which repair fixes each problem, from a listing of what the installation
// holds: containers, profiles, leases, host veths, build results, GC roots,
// lock files, the host's network and cgroups. It reads and changes nothing
// itself; the lifecycle package gathers the listing and runs the repairs.
//
// The host's own records are the authority. What a container reports about
// itself (the system it says it runs) is only compared with them, and a
// difference is reported, never repaired in the container's favour.
package diagnose

import (
	"fmt"
	"sort"
	"strings"
)

// Repair is what fixes a finding; NoRepair findings carry advice instead.
// The values are in the order repairs must run: a database is reset before
// containers lease again, a record is rebuilt before its leases are taken.
type Repair int

const (
	NoRepair           Repair = iota
	ResetLeaseDB              // set an unreadable database aside and start a new one
	RebuildRecord             // rebuild an unreadable record from the LXC config and profile
	UnmountRootfs             // unmount the in-memory root of a stopped ephemeral container
	FinishDestroy             // finish an interrupted destroy
	DestroyThrowaway          // destroy a run --rm container whose nixlxc is gone
	RemoveContainerDir        // remove an LXC directory that has no record
	RemoveProfile             // remove a profile of this installation that has no container
	PointProfile              // point the profile at generation Generation
	ReleaseLeases             // free the leases of a container that does not exist
	RemoveForwards            // remove the port forwards of a container that does not exist
	ReleaseSharedRange        // free the shared id range no container uses
	LeaseAgain                // take a container's missing leases again
	SyncForwards              // set a container's port forwards again from its settings
	DeleteVeth                // delete a host veth of no container
	RemoveBuild               // remove a dead build's result link and GC root
	RemoveGCRoot              // remove a GC root pointing at nothing
	RemoveLock                // remove the lock file of a container that does not exist
	SetUpHost                 // set the host's network up again
	TearDownHost              // remove a host network no container uses
	RemoveCgroup              // remove an empty cgroup a failed start left
)

// Finding is one problem, and its repair or advice.
type Finding struct {
	Subject string // a container's name, or the host object concerned
	Problem string
	Repair  Repair
	// Generation is PointProfile's target.
	Generation int
	// Advice tells the user what to do where doctor repairs nothing.
	Advice string
}

// RecordState is what a container's directory holds of its record.
type RecordState int

const (
	RecordOK      RecordState = iota
	RecordMissing             // a directory without a record: an interrupted create
	RecordCorrupt             // a record nixlxc cannot read
)

// Generation is one generation of a container's profile.
type Generation struct {
	Number int
	Path   string
}

// Container is one directory of the LXC path.
type Container struct {
	Name       string
	Record     RecordState
	Destroying bool
	Busy       bool // a command holds its lock: left alone
	Running    bool
	// Current is the system the profile points at ("" when no link).
	Current     string
	Generations []Generation
	// Active is what nixlxc last booted or activated (its record).
	Active string
	// Reported is what the container says it runs ("" when it says
	// nothing): hostile input, compared, never followed.
	Reported string
	// MissingLeases are the lease purposes it should hold and does not.
	MissingLeases []string
	// ForwardsWrong says how its port forwards differ from what its
	// settings ask ("": they do not).
	ForwardsWrong string
	// EphemeralMounted: it is stopped, and the in-memory root nixlxc
	// mounted for it is still there (it stopped on its own).
	EphemeralMounted bool
	// OrphanOf is the process id of the nixlxc run --rm that made it, when
	// that process is gone (0: not a throwaway, or its nixlxc runs).
	OrphanOf int
}

// Owner says who made a profile directory.
type Owner int

const (
	OwnerNone    Owner = iota // no marker: not nixlxc's
	OwnerUs                   // this installation
	OwnerOther                // another installation
	OwnerUnknown              // an older nixlxc, which named no installation
)

// Profile is a profile directory whose name has no LXC directory.
type Profile struct {
	Name  string
	Owner Owner
	Busy  bool
}

// Build is a build result link in the state directory.
type Build struct {
	Path  string
	Alive bool // its nixlxc process still runs
}

// GCRoot is a Nix GC root pointing into nixlxc's directories.
type GCRoot struct {
	Path, Target string
	TargetExists bool
}

// Host is what of the host's network is there.
type Host struct {
	Recorded bool     // its setup's record exists
	Present  []string // nixlxc's bridges and tables found
	// Differences are how it differs from what the recorded setup makes
	// (a bridge or table missing, a rule deleted or changed).
	Differences []string
	// InUse: running containers' veths are ports of its bridges.
	InUse bool
	// Other is the state directory of another installation whose mark
	// the bridges carry: this network namespace is that one's.
	Other string
	// OtherUnmarked are running containers' host veths on bridges no
	// installation marked (a nixlxc from before marks set them up), when
	// this installation recorded no setup: some other installation's.
	OtherUnmarked []string
}

// Unchecked is a check that could not run.
type Unchecked struct {
	Check, Err string
}

// Listing is everything doctor looked at.
type Listing struct {
	Containers []Container
	Profiles   []Profile
	// LeaseDBErr is set when the lease database cannot be read; then the
	// lease checks did not run.
	LeaseDBErr string
	// Holders maps every container holding leases to their purposes.
	Holders map[string][]string
	// SharedRangeHeld: the shared id range is reserved; SharedUsers
	// containers use it.
	SharedRangeHeld bool
	SharedUsers     int
	StaleVeths      []string
	Builds          []Build
	GCRoots         []GCRoot
	Locks           []string // names that have a lock file
	Host            Host
	Cgroups         []string // empty monitor cgroups of stopped containers
	// Forwarded are the containers with port forwards, in nixlxc's
	// record or in its tables.
	Forwarded []string
	Unchecked []Unchecked
}

// Classify returns what is wrong, in the order the repairs must run, and
// within one kind of repair by subject; advice and checks that could not
// run come last.
func Classify(l Listing) []Finding {
	var out []Finding
	add := func(f Finding) { out = append(out, f) }
	exists := map[string]bool{} // a directory with a record, readable or not
	dirs := map[string]bool{}
	busy := map[string]bool{}
	for _, c := range l.Containers {
		dirs[c.Name] = true
		if c.Record != RecordMissing {
			exists[c.Name] = true
		}
		if c.Busy {
			busy[c.Name] = true
		}
	}

	if l.LeaseDBErr != "" {
		add(Finding{Subject: "database", Problem: "the lease database is unreadable: " + l.LeaseDBErr, Repair: ResetLeaseDB})
	}
	for _, c := range l.Containers {
		if c.Busy {
			continue
		}
		out = append(out, classifyContainer(c, l.LeaseDBErr != "")...)
	}

	for _, p := range l.Profiles {
		if p.Busy || exists[p.Name] || dirs[p.Name] {
			continue
		}
		switch p.Owner {
		case OwnerUs:
			add(Finding{Subject: p.Name, Problem: p.Name + ": Nix profile of a container that does not exist", Repair: RemoveProfile})
		case OwnerUnknown:
			add(Finding{Subject: p.Name, Problem: p.Name + ": Nix profile made by an older nixlxc, of no container of this installation",
				Advice: "remove its directory if no other installation uses it"})
		}
	}

	if l.LeaseDBErr == "" {
		for _, name := range sortedKeys(l.Holders) {
			if exists[name] || busy[name] {
				continue
			}
			p := l.Holders[name]
			add(Finding{Subject: name, Problem: fmt.Sprintf("%s: %d lease(s) (%s) of a container that does not exist", name, len(p), strings.Join(p, ", ")), Repair: ReleaseLeases})
		}
		if l.SharedRangeHeld && l.SharedUsers == 0 {
			add(Finding{Subject: "shared id range", Problem: "the shared id range is reserved, but no container uses --shared-idmap", Repair: ReleaseSharedRange})
		}
	}
	for _, v := range l.StaleVeths {
		add(Finding{Subject: v, Problem: fmt.Sprintf("host veth %s of no container", v), Repair: DeleteVeth})
	}
	for _, b := range l.Builds {
		if !b.Alive {
			add(Finding{Subject: b.Path, Problem: fmt.Sprintf("build result %s of a nixlxc that is gone", b.Path), Repair: RemoveBuild})
		}
	}
	for _, r := range l.GCRoots {
		if !r.TargetExists {
			add(Finding{Subject: r.Path, Problem: fmt.Sprintf("GC root %s for %s, which is gone", r.Path, r.Target), Repair: RemoveGCRoot})
		}
	}
	for _, name := range l.Locks {
		if exists[name] || dirs[name] || busy[name] {
			continue
		}
		add(Finding{Subject: name, Problem: name + ": lock file of a container that does not exist", Repair: RemoveLock})
	}
	for _, name := range l.Forwarded {
		if exists[name] || busy[name] {
			continue
		}
		add(Finding{Subject: name, Problem: name + ": port forwards of a container that does not exist", Repair: RemoveForwards})
	}
	if f, ok := classifyHost(l.Host, len(exists) > 0); ok {
		add(f)
	}
	for _, cg := range l.Cgroups {
		add(Finding{Subject: cg, Problem: fmt.Sprintf("empty cgroup %s left by a failed start", cg), Repair: RemoveCgroup})
	}
	for _, u := range l.Unchecked {
		add(Finding{Subject: u.Check, Problem: fmt.Sprintf("could not check %s: %s", u.Check, u.Err),
			Advice: "fix what the error names and run doctor again"})
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := order(out[i]), order(out[j])
		if ri != rj {
			return ri < rj
		}
		return out[i].Subject < out[j].Subject
	})
	return out
}

// order sorts repairs in the order they must run, advice last.
func order(f Finding) int {
	if f.Repair == NoRepair {
		return 1 << 20
	}
	return int(f.Repair)
}

func classifyContainer(c Container, dbLost bool) []Finding {
	name := c.Name
	switch {
	case c.Record == RecordMissing:
		return []Finding{{Subject: name, Problem: name + ": LXC directory of a container that does not exist (an interrupted create)", Repair: RemoveContainerDir}}
	case c.Destroying:
		return []Finding{{Subject: name, Problem: name + ": its destroy was interrupted", Repair: FinishDestroy}}
	case c.OrphanOf != 0:
		return []Finding{{Subject: name, Problem: fmt.Sprintf("%s: throwaway container of a nixlxc run --rm that is gone (process %d)", name, c.OrphanOf), Repair: DestroyThrowaway}}
	}
	var out []Finding
	if c.EphemeralMounted {
		out = append(out, Finding{Subject: name, Problem: name + ": stopped, with its in-memory root still mounted (it stopped on its own)", Repair: UnmountRootfs})
	}
	if c.Record == RecordCorrupt {
		out = append(out, Finding{Subject: name, Problem: name + ": its record nixlxc.json is unreadable", Repair: RebuildRecord})
	}
	if dbLost {
		out = append(out, Finding{Subject: name, Problem: name + ": its leases are in the unreadable database", Repair: LeaseAgain})
	} else if len(c.MissingLeases) > 0 {
		out = append(out, Finding{Subject: name, Problem: fmt.Sprintf("%s: missing lease(s) %s", name, strings.Join(c.MissingLeases, ", ")), Repair: LeaseAgain})
	}
	if c.ForwardsWrong != "" {
		out = append(out, Finding{Subject: name, Problem: name + ": its port forwards " + c.ForwardsWrong, Repair: SyncForwards})
	}
	active := c.Active
	if !c.Running {
		active = "" // what it ran before it stopped does not matter
	}
	switch {
	case len(c.Generations) == 0:
		out = append(out, Finding{Subject: name, Problem: name + ": its profile has no generations",
			Advice: "destroy it, or destroy and create it again"})
		return out
	case c.Current == "":
		g := newest(c.Generations, active)
		return append(out, Finding{Subject: name, Problem: fmt.Sprintf("%s: its profile has no current generation (generation %d is pointed at)", name, g.Number),
			Repair: PointProfile, Generation: g.Number})
	case active != "" && c.Current != active:
		if g, ok := holding(c.Generations, active); ok {
			return append(out, Finding{Subject: name, Problem: fmt.Sprintf("%s: its profile points at %s, but nixlxc activated %s (generation %d) in it", name, c.Current, active, g.Number),
				Repair: PointProfile, Generation: g.Number})
		}
		return append(out, Finding{Subject: name, Problem: fmt.Sprintf("%s: nixlxc activated %s in it, which no generation holds now", name, active),
			Advice: fmt.Sprintf("restart it to boot its current generation: nixlxc stop %s && nixlxc start %s", name, name)})
	}
	want := active
	if want == "" {
		want = c.Current
	}
	if c.Running && c.Reported != "" && c.Reported != want {
		out = append(out, Finding{Subject: name, Problem: fmt.Sprintf("%s: it reports that it runs %s, but nixlxc activated %s (its own report; nothing is changed on its word)", name, c.Reported, want),
			Advice: fmt.Sprintf("restart it: nixlxc stop %s && nixlxc start %s", name, name)})
	}
	return out
}

// newest is the generation holding system, or else the newest.
func newest(gens []Generation, system string) Generation {
	if g, ok := holding(gens, system); ok && system != "" {
		return g
	}
	g := gens[0]
	for _, x := range gens {
		if x.Number > g.Number {
			g = x
		}
	}
	return g
}

// holding is the newest generation whose system is path.
func holding(gens []Generation, path string) (Generation, bool) {
	var best Generation
	found := false
	for _, g := range gens {
		if g.Path == path && (!found || g.Number > best.Number) {
			best, found = g, true
		}
	}
	return best, found
}

func classifyHost(h Host, containers bool) (Finding, bool) {
	present := strings.Join(h.Present, ", ")
	switch {
	case h.Other != "":
		// Not this installation's to set up, repair or remove.
		return Finding{Subject: "host network",
			Problem: fmt.Sprintf("the host's network here belongs to the nixlxc installation in %s: this installation's containers cannot be created or started in this network namespace", h.Other),
			Advice:  fmt.Sprintf("keep one installation per network namespace: use that one, or give this one a network namespace of its own; if that one is gone, run nixlxc --state-dir %s host teardown", h.Other)}, true
	case len(h.OtherUnmarked) > 0:
		return Finding{Subject: "host network",
			Problem: fmt.Sprintf("nixlxc's bridges here carry no installation's mark and running containers of another installation are on them (host veths %s)", strings.Join(h.OtherUnmarked, ", ")),
			Advice:  "run nixlxc host setup from their installation, which marks the bridges as its own; keep one installation per network namespace"}, true
	case h.Recorded && len(h.Present) > 0 && len(h.Differences) > 0:
		// Part of it is gone or changed (a flushed ruleset, a deleted
		// bridge or rule).
		return Finding{Subject: "host network", Problem: "host network not as its setup made it: " + strings.Join(h.Differences, ", "), Repair: SetUpHost}, true
	case !h.Recorded && len(h.Present) > 0:
		f := Finding{Subject: "host network", Problem: "host network without a record of its setup: " + present, Repair: TearDownHost}
		switch {
		case containers:
			f.Repair = SetUpHost
		case h.InUse:
			// Running containers of another installation use it: not
			// this installation's to remove.
			return Finding{}, false
		}
		return f, true
	}
	return Finding{}, false
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

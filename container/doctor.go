package container

import (
	"context"
	"fmt"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/lock"
	"github.com/nixlxc/nixlxc/lxcconf"
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
}

// Doctor looks for what an interrupted or killed nixlxc can leave behind:
// leases, veths, profiles, directories, locks and GC roots of containers
// that do not exist, containers missing their leases, and a host network
// without a record. With repair it fixes what it can; a second repair finds
// nothing. Containers a command is working on right now are left alone.
func (m *Manager) Doctor(ctx context.Context, repair bool) ([]Finding, error) {
	d := &doctor{m: m, ctx: ctx, repair: repair}
	names, err := m.Names()
	if err != nil {
		return nil, err
	}
	d.exists = map[string]bool{}
	for _, n := range names {
		d.exists[n] = true
	}
	d.leftoverDirs()
	d.leftoverProfiles()
	d.leftoverLeases()
	d.missingLeases()
	d.leftoverVeths()
	d.leftoverBuilds()
	d.leftoverGCRoots()
	d.leftoverLocks()
	d.hostNetwork()
	d.interrupted()
	return d.findings, nil
}

type doctor struct {
	m        *Manager
	ctx      context.Context
	repair   bool
	exists   map[string]bool
	findings []Finding
}

// fix records a problem and, when repairing, runs its fix.
func (d *doctor) fix(problem string, fn func() error) {
	f := Finding{Problem: problem}
	if d.repair {
		if err := fn(); err != nil {
			f.Err = oneline.Clean(err.Error())
		} else {
			f.Repaired = true
		}
	}
	d.findings = append(d.findings, f)
}

func (d *doctor) advise(problem, advice string) {
	d.findings = append(d.findings, Finding{Problem: problem, Advice: advice})
}

// withIdle runs fn holding name's lock, unless a command holds it now. A
// nonexistent container's lock file is removed afterwards.
func (d *doctor) withIdle(name string, fn func() error) error {
	l, ok, err := lock.TryAcquire(d.m.lockPath(name))
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s is busy (a command is working on it)", name)
	}
	err = fn()
	if d.m.exists(name) {
		l.Release()
	} else {
		l.ReleaseAndRemove()
	}
	return err
}

// busy reports whether a command holds name's lock now.
func (d *doctor) busy(name string) bool {
	return lock.Held(d.m.lockPath(name))
}

// leftoverDirs: LXC directories without a record (an interrupted create).
func (d *doctor) leftoverDirs() {
	entries, _ := os.ReadDir(d.m.lxc.Path)
	for _, e := range entries {
		name := e.Name()
		if d.exists[name] || spec.CheckName(name) != nil || d.busy(name) {
			continue
		}
		d.fix(fmt.Sprintf("%s: LXC directory of a container that does not exist (an interrupted create)", name), func() error {
			return d.withIdle(name, func() error {
				if d.m.exists(name) {
					return nil
				}
				d.m.lxc.Kill(name)
				return d.m.removeLeftovers(name)
			})
		})
	}
}

// leftoverProfiles: profile directories of containers that do not exist.
func (d *doctor) leftoverProfiles() {
	entries, _ := os.ReadDir(d.m.profileDir)
	for _, e := range entries {
		name := e.Name()
		if d.exists[name] || spec.CheckName(name) != nil || d.busy(name) {
			continue
		}
		if _, err := os.Stat(d.m.containerDir(name)); err == nil {
			continue // removed with its directory above
		}
		if !d.m.ownsProfile(name) {
			continue // not nixlxc's: a nixos-container's, say
		}
		d.fix(fmt.Sprintf("%s: Nix profile of a container that does not exist", name), func() error {
			return d.withIdle(name, func() error {
				if d.m.exists(name) {
					return nil
				}
				return d.m.profile(name).RemoveAll()
			})
		})
	}
}

// leftoverLeases: leases held by containers that do not exist.
func (d *doctor) leftoverLeases() {
	db, err := d.m.db()
	if err != nil {
		d.advise("the IPAM database cannot be opened: "+oneline.Clean(err.Error()), "check "+filepath.Join(d.m.stateDir, "nixlxc.db"))
		return
	}
	all, err := db.All(d.ctx)
	if err != nil {
		return
	}
	holders := map[string][]string{}
	var order []string
	for _, l := range all {
		if l.Container == sharedHolder {
			continue
		}
		if _, seen := holders[l.Container]; !seen {
			order = append(order, l.Container)
		}
		holders[l.Container] = append(holders[l.Container], l.Purpose)
	}
	for _, name := range order {
		if d.exists[name] || d.busy(name) {
			continue
		}
		name := name
		d.fix(fmt.Sprintf("%s: %d lease(s) (%s) of a container that does not exist", name, len(holders[name]), strings.Join(holders[name], ", ")), func() error {
			return d.withIdle(name, func() error {
				if d.m.exists(name) {
					return nil
				}
				return d.m.releaseNetwork(name)
			})
		})
	}
	// The shared id range is held only while a shared container exists.
	var stale bool
	db.Update(d.ctx, func(tx *ipam.Tx) error {
		n, err := tx.Count(sharedPool)
		if err != nil || n > 0 {
			return err
		}
		leases, err := tx.Leases(sharedHolder)
		stale = err == nil && len(leases) > 0
		return err
	})
	if stale {
		d.fix("the shared id range is reserved, but no container uses --shared-idmap", func() error {
			return db.Update(d.ctx, releaseSharedIfUnused)
		})
	}
}

// missingLeases: containers without their address or id range leases.
func (d *doctor) missingLeases() {
	db, err := d.m.db()
	if err != nil {
		return
	}
	names := make([]string, 0, len(d.exists))
	for n := range d.exists {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		rec, err := d.m.loadRecord(name)
		if err != nil || rec.Destroying || d.busy(name) {
			continue
		}
		leases, err := db.Leases(d.ctx, name)
		if err != nil {
			continue
		}
		have := map[string]ipam.Lease{}
		for _, l := range leases {
			have[l.Purpose] = l
		}
		var missing []string
		for _, p := range []string{purposeHostonly, purposeHostonlyMAC, purposeIDMap} {
			if _, ok := have[p]; !ok {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			continue
		}
		d.fix(fmt.Sprintf("%s: missing lease(s) %s", name, strings.Join(missing, ", ")), func() error {
			return d.withIdle(name, func() error { return d.m.leaseAgain(rec) })
		})
	}
}

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
	if system, err := m.currentSystem(rec.Name); err == nil {
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

// reserveFromConfig reserves the addresses and MACs the container's LXC
// config names, for the purposes it holds no lease for.
func (m *Manager) reserveFromConfig(tx *ipam.Tx, rec *record, s spec.Settings) error {
	text, err := os.ReadFile(m.configPath(rec.Name))
	if err != nil {
		return nil // nothing rendered yet: leaseNetwork picks numbers
	}
	items, err := lxcconf.Parse(string(text))
	if err != nil {
		return nil
	}
	nets := map[string]map[string]string{} // lxc.net.N -> key -> value
	for _, it := range items {
		rest, ok := strings.CutPrefix(it.Key, "lxc.net.")
		if !ok {
			continue
		}
		n, key, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		if nets[n] == nil {
			nets[n] = map[string]string{}
		}
		nets[n][key] = it.Value
	}
	host, _ := m.loadHostConfig()
	reserve := func(pool ipam.Pool, num int64, purpose string) error {
		if _, ok, err := tx.Lease(rec.Name, purpose); err != nil || ok {
			return err
		}
		if err := tx.Reserve(pool, num, rec.Name, purpose); err != nil {
			return fmt.Errorf("%s %d of %s: %w", purpose, num, pool.Name, err)
		}
		return nil
	}
	for _, n := range nets {
		var addrPurpose, macPurpose string
		var sub ipam.Subnet
		switch n["name"] {
		case "hostonly":
			addrPurpose, macPurpose = purposeHostonly, purposeHostonlyMAC
			if sub, err = m.hostonlySubnet(s.Network); err != nil {
				continue
			}
		case "internet":
			addrPurpose, macPurpose = purposeInternet, purposeInternetMAC
			sub = ipam.Subnet{Name: poolName(bridges.Internet, bridges.InternetSubnet), Prefix: bridges.InternetSubnet, Host: bridges.InternetHost}
		default:
			continue
		}
		if f := strings.Fields(n["ipv4.address"]); len(f) > 0 {
			if p, err := netip.ParsePrefix(f[0]); err == nil {
				if num, err := sub.Num(p.Addr()); err == nil {
					if err := reserve(sub.Pool(), num, addrPurpose); err != nil {
						return err
					}
				}
			}
		}
		if mac, ok := macNumber(n["hwaddr"]); ok {
			if err := reserve(ipam.MACPool, mac, macPurpose); err != nil {
				return err
			}
		}
		if v6 := n["ipv6.address"]; v6 != "" && n["name"] == "internet" && host.IPv6.Enable {
			prefix, _ := host.IPv6.PrefixValue()
			s6 := ipam.Subnet{Name: poolName(bridges.Internet, prefix), Prefix: prefix, Host: host.IPv6.HostAddress()}
			if p, err := netip.ParsePrefix(v6); err == nil {
				if num, err := s6.Num(p.Addr()); err == nil {
					if err := reserve(s6.Pool(), num, purposeInternet6); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// macNumber is the MAC pool number of an address nixlxc gave out.
func macNumber(mac string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.ToLower(mac), "02:6e:6c:")
	if !ok {
		return 0, false
	}
	var b [3]byte
	if _, err := fmt.Sscanf(rest, "%02x:%02x:%02x", &b[0], &b[1], &b[2]); err != nil {
		return 0, false
	}
	return int64(b[0])<<16 | int64(b[1])<<8 | int64(b[2]), true
}

// leftoverVeths: host veths of no container: nixlxc's names, with their
// peer still on the host (see bridges.StaleVeths).
func (d *doctor) leftoverVeths() {
	stale, err := bridges.StaleVeths(bridges.HostonlyVethPrefix, bridges.BridgeVethPrefix, bridges.InternetVethPrefix)
	if err != nil {
		return
	}
	for _, link := range stale {
		link := link
		d.fix(fmt.Sprintf("host veth %s of no container", link), func() error {
			return bridges.DeleteLink(link)
		})
	}
}

// leftoverBuilds: result links of builds whose nixlxc process is gone.
func (d *doctor) leftoverBuilds() {
	entries, _ := os.ReadDir(d.m.tmpDir())
	for _, e := range entries {
		f := strings.Split(e.Name(), "-")
		if len(f) < 3 || f[0] != "build" {
			continue
		}
		pid, err := strconv.Atoi(f[len(f)-1])
		if err == nil && unix.Kill(pid, 0) == nil {
			continue // the build is still running
		}
		link := filepath.Join(d.m.tmpDir(), e.Name())
		d.fix(fmt.Sprintf("build result %s of a nixlxc that is gone", link), func() error {
			os.Remove(filepath.Join(d.m.gcRootDir, generations.GCRootName(link)))
			return os.Remove(link)
		})
	}
}

// leftoverGCRoots: Nix GC roots pointing at nixlxc's profiles or builds
// that are gone.
func (d *doctor) leftoverGCRoots() {
	entries, _ := os.ReadDir(d.m.gcRootDir)
	for _, e := range entries {
		root := filepath.Join(d.m.gcRootDir, e.Name())
		target, err := os.Readlink(root)
		if err != nil {
			continue
		}
		ours := strings.HasPrefix(target, d.m.profileDir+"/") || strings.HasPrefix(target, d.m.tmpDir()+"/")
		if !ours {
			continue
		}
		if _, err := os.Lstat(target); err == nil {
			continue
		}
		d.fix(fmt.Sprintf("GC root %s for %s, which is gone", e.Name(), target), func() error {
			return os.Remove(root)
		})
	}
}

// leftoverLocks: lock files of containers that do not exist.
func (d *doctor) leftoverLocks() {
	entries, _ := os.ReadDir(d.m.locksDir())
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".lock")
		if !ok || spec.CheckName(name) != nil || d.exists[name] || d.busy(name) {
			continue
		}
		if _, err := os.Stat(d.m.containerDir(name)); err == nil {
			continue
		}
		d.fix(fmt.Sprintf("%s: lock file of a container that does not exist", name), func() error {
			return d.withIdle(name, func() error { return nil })
		})
	}
}

// hostNetwork: nixlxc's bridges or tables without the record setup keeps
// (a setup that was killed): set up again, or removed when no container is
// left to use them.
func (d *doctor) hostNetwork() {
	present := bridges.Present()
	rec := d.m.loadHostRecord()
	if rec != nil && len(present) > 0 && len(present) < 3 {
		// Part of it is gone (a flushed ruleset, a deleted bridge): a start
		// does not look, since LXC itself fails without the bridges.
		d.fix(fmt.Sprintf("host network incomplete: only %s", strings.Join(present, ", ")), func() error {
			c, err := d.m.loadHostConfig()
			if err != nil {
				return err
			}
			return lock.With(d.ctx, d.m.hostLockPath(), func() error {
				r, err := bridges.Setup(c, d.m.loadHostRecord())
				if r != nil {
					d.m.saveHostRecord(r)
				}
				return err
			})
		})
		return
	}
	if len(present) == 0 || rec != nil {
		return
	}
	problem := fmt.Sprintf("host network without a record of its setup: %s", strings.Join(present, ", "))
	d.fix(problem, func() error {
		if len(d.exists) > 0 {
			c, err := d.m.loadHostConfig()
			if err != nil {
				return err
			}
			return d.m.hostSetup(d.ctx, c)
		}
		return lock.With(d.ctx, d.m.hostLockPath(), func() error { return bridges.Teardown(nil) })
	})
}

// interrupted: containers whose destroy was interrupted, containers
// without a current generation, and running containers whose profile says
// another system than the one they run (an update killed between making
// the generation and activating it).
func (d *doctor) interrupted() {
	active := d.m.lxc.Active()
	for name := range d.exists {
		rec, err := d.m.loadRecord(name)
		if err != nil {
			continue
		}
		if rec.Destroying {
			d.advise(fmt.Sprintf("%s: its destroy was interrupted", name), "run nixlxc destroy "+name)
			continue
		}
		current, err := d.m.currentSystem(name)
		if err != nil {
			d.advise(fmt.Sprintf("%s: its profile has no current generation", name), "nixlxc switch-generation "+name+" N, or destroy it")
			continue
		}
		if !active[name] || d.busy(name) {
			continue
		}
		running, err := readReport(filepath.Join(d.m.runDir(name), "current"))
		if err != nil || running == current {
			continue
		}
		gens, _ := d.m.profile(name).List()
		known := false
		for _, g := range gens {
			known = known || g.Path == running
		}
		if !known {
			d.advise(fmt.Sprintf("%s: it runs %s, which no generation holds", name, running), "nixlxc update "+name+" with its file, or restart it")
			continue
		}
		d.fix(fmt.Sprintf("%s: its profile points at %s, but it runs %s", name, current, running), func() error {
			return d.withIdle(name, func() error {
				cur, _ := d.m.current(name)
				return d.m.followActive(d.ctx, rec, gens, cur)
			})
		})
	}
}

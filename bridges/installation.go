package bridges

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/nixlxc/nixlxc/atomicfile"
	"github.com/nixlxc/nixlxc/faultpoint"
	"github.com/nixlxc/nixlxc/lock"
)

// Host is one installation's hold on the host's network: its settings
// (host.json), the record of what its setup changed, and the locks every
// change takes. It is the only way nixlxc sets the network up or down.
type Host struct {
	ConfigPath string // host.json
	RecordPath string // what setup changed, for teardown
	LockPath   string
	// ForwardsPath records every container's port forwards, which setup
	// puts into the tables with the rest.
	ForwardsPath string
	// Installation is the installation's state directory: the mark its
	// bridges carry (owner.go).
	Installation string
	// NamespaceLockDir holds the lock of each network namespace's nixlxc
	// network, which every installation takes.
	NamespaceLockDir string
}

// Foreign returns an error naming another installation when this network
// namespace's bridges carry its mark (errors.Is ErrOtherInstallation).
func (h Host) Foreign() error { return foreign(h.Installation, h.Record() != nil) }

// Differences lists how the host's network differs from what this
// installation's recorded setup makes (nothing without a record).
func (h Host) Differences() ([]string, error) { return Differences(h.Record(), h.Installation) }

// Config reads the settings; a missing file means all defaults.
func (h Host) Config() (HostConfig, error) { return LoadHostConfig(h.ConfigPath) }

// Record is what the last setup recorded, or nil.
func (h Host) Record() *Record {
	data, err := os.ReadFile(h.RecordPath)
	if err != nil {
		return nil
	}
	var r Record
	if json.Unmarshal(data, &r) != nil {
		return nil
	}
	return &r
}

func (h Host) saveRecord(r *Record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(h.RecordPath, append(data, '\n'), 0o600)
}

// Ensure sets the network up with c unless it is in place already (the
// cheap check before every start that needs it).
func (h Host) Ensure(ctx context.Context, c HostConfig) error {
	if Ready(c, h.Record(), h.Installation) {
		return nil
	}
	_, err := h.setup(ctx, c, true)
	return err
}

// Setup applies c, whatever is in place (it is idempotent), and returns
// what it recorded.
func (h Host) Setup(ctx context.Context, c HostConfig) (*Record, error) {
	return h.setup(ctx, c, false)
}

func (h Host) setup(ctx context.Context, c HostConfig, unlessReady bool) (*Record, error) {
	var rec *Record
	err := h.locked(ctx, func() error {
		prev := h.Record()
		if err := foreign(h.Installation, prev != nil); err != nil {
			return err
		}
		if unlessReady && Ready(c, prev, h.Installation) {
			rec = prev
			return nil
		}
		forwards, err := h.loadForwards()
		if err != nil {
			return err
		}
		rec, err = Setup(c, prev, forwards, h.Installation)
		faultpoint.Hit("host:applied")
		if rec != nil {
			if serr := h.saveRecord(rec); serr != nil && err == nil {
				err = serr
			}
		}
		return err
	})
	if err != nil {
		return rec, fmt.Errorf("setting up the host's network: %w", err)
	}
	return rec, nil
}

// locked runs fn holding this installation's host lock and this network
// namespace's.
func (h Host) locked(ctx context.Context, fn func() error) error {
	return lock.With(ctx, h.LockPath, func() error {
		return withNamespaceLock(ctx, h.NamespaceLockDir, fn)
	})
}

// Teardown removes what the recorded setup made (with no record: nixlxc's
// tables and bridges), and the record; never another installation's.
func (h Host) Teardown(ctx context.Context) error {
	return h.locked(ctx, func() error {
		if err := foreign(h.Installation, true); err != nil {
			return fmt.Errorf("tearing down the host's network: %w", err)
		}
		if err := Teardown(h.Record(), h.Installation); err != nil {
			return fmt.Errorf("tearing down the host's network: %w", err)
		}
		if err := os.Remove(h.RecordPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
}

// loadForwards reads the containers' port forwards; a missing file is
// none. Callers hold the lock.
func (h Host) loadForwards() (map[string][]Forward, error) {
	all := map[string][]Forward{}
	if h.ForwardsPath == "" {
		return all, nil
	}
	data, err := os.ReadFile(h.ForwardsPath)
	if errors.Is(err, os.ErrNotExist) {
		return all, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("%s: %w", h.ForwardsPath, err)
	}
	for name, fs := range all {
		for _, f := range fs {
			if err := f.check(); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", h.ForwardsPath, name, err)
			}
		}
	}
	return all, nil
}

func (h Host) saveForwards(all map[string][]Forward) error {
	data, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(h.ForwardsPath, append(data, '\n'), 0o600)
}

// Forwards are the port forwards of every container, as recorded.
func (h Host) Forwards(ctx context.Context) (map[string][]Forward, error) {
	var all map[string][]Forward
	err := lock.With(ctx, h.LockPath, func() error {
		var err error
		all, err = h.loadForwards()
		return err
	})
	return all, err
}

// SetForwards makes fs the port forwards of container name (none: nil), in
// the record and, when the host's network is set up, in the kernel: the
// container's rules are replaced in one nftables transaction, the rest of
// the tables untouched. A host port another container holds is refused
// (ConflictError), and nothing changes.
func (h Host) SetForwards(ctx context.Context, name string, fs []Forward) error {
	for _, f := range fs {
		if err := f.check(); err != nil {
			return err
		}
	}
	return lock.With(ctx, h.LockPath, func() error {
		all, err := h.loadForwards()
		if err != nil {
			return err
		}
		if err := conflict(all, name, fs); err != nil {
			return err
		}
		if len(fs) == 0 && len(all[name]) == 0 {
			// The usual container: none wanted, none recorded, so none of
			// its rules are in the tables (doctor finds any that are).
			return nil
		}
		changed := !slices.Equal(all[name], fs)
		if len(fs) == 0 {
			delete(all, name)
		} else {
			all[name] = append([]Forward(nil), fs...)
		}
		if changed {
			if err := h.saveForwards(all); err != nil {
				return err
			}
		}
		return h.applyForwards(name, all, changed)
	})
}

// ClearForwards removes every forward of container name: from the record
// and, whatever the record says, its rules from the tables (a container
// that goes, an orphan doctor found).
func (h Host) ClearForwards(ctx context.Context, name string) error {
	return lock.With(ctx, h.LockPath, func() error {
		all, err := h.loadForwards()
		if err != nil {
			return err
		}
		if _, ok := all[name]; ok {
			delete(all, name)
			if err := h.saveForwards(all); err != nil {
				return err
			}
		}
		return h.applyForwards(name, all, true)
	})
}

// applyForwards brings container name's rules in the kernel in line with
// all (a no-op while the host's network is not set up: setup applies
// them; and where another installation set it up: its tables are its
// own), and brNC-hostonly's forwarding with whether any port is
// forwarded.
func (h Host) applyForwards(name string, all map[string][]Forward, changed bool) error {
	rec := h.Record()
	if rec == nil || !rulesetPresent() || foreign(h.Installation, true) != nil {
		return nil
	}
	if err := replaceOwnerRules(name, all[name], changed); errors.Is(err, errChainsMissing) {
		// A setup by an older nixlxc, without the forward chains.
		if err := applyRuleset(Ruleset(rec.Config, rec.Inet, all)); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	key := "net/ipv4/conf/" + Hostonly + "/forwarding"
	if v, err := readSysctl(key); err == nil && v != hostonlyForwarding(all) {
		return writeSysctl(key, hostonlyForwarding(all))
	}
	return nil
}

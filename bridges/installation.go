package bridges

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/nixlxc/nixlxc/atomicfile"
	"github.com/nixlxc/nixlxc/faultpoint"
	"github.com/nixlxc/nixlxc/lock"
)

// Host is one installation's hold on the host's network: its settings
// (host.json), the record of what its setup changed, and the lock every
// change takes. It is the only way nixlxc sets the network up or down.
type Host struct {
	ConfigPath string // host.json
	RecordPath string // what setup changed, for teardown
	LockPath   string
}

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
	if Ready(c, h.Record()) {
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
	err := lock.With(ctx, h.LockPath, func() error {
		prev := h.Record()
		if unlessReady && Ready(c, prev) {
			rec = prev
			return nil
		}
		var err error
		rec, err = Setup(c, prev)
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

// Teardown removes what the recorded setup made (with no record: nixlxc's
// tables and bridges), and the record.
func (h Host) Teardown(ctx context.Context) error {
	return lock.With(ctx, h.LockPath, func() error {
		if err := Teardown(h.Record()); err != nil {
			return fmt.Errorf("tearing down the host's network: %w", err)
		}
		if err := os.Remove(h.RecordPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
}

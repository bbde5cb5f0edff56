package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/spec"
)

// AutostartOptions tune what the boot service runs.
type AutostartOptions struct {
	Parallel    int           // containers of one order started at once
	Attempts    int           // tries per container before giving up
	BootTimeout time.Duration // per try
}

// Defaults for AutostartOptions.
const (
	DefaultAutostartParallel = 4
	DefaultAutostartAttempts = 3
)

// member is a container in an ordered start or stop.
type member struct {
	name  string
	order int
	delay time.Duration
}

// autostartSet is every container whose current generation asks to be
// started at boot, grouped by order, lowest first.
func (m *Manager) autostartSet() ([][]member, error) {
	names, err := m.Names()
	if err != nil {
		return nil, err
	}
	var members []member
	for _, name := range names {
		rec, err := m.loadUsable(name)
		if err != nil {
			continue
		}
		if a := m.autostartOf(rec); a.Enable {
			members = append(members, member{name, a.Order, time.Duration(a.Delay) * time.Second})
		}
	}
	return groupByOrder(members), nil
}

// groupByOrder sorts members by order, then name, and groups equal orders.
func groupByOrder(members []member) [][]member {
	sort.Slice(members, func(i, j int) bool {
		if members[i].order != members[j].order {
			return members[i].order < members[j].order
		}
		return members[i].name < members[j].name
	})
	var groups [][]member
	for i, mb := range members {
		if i == 0 || mb.order != members[i-1].order {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], mb)
	}
	return groups
}

// Autostart is what the host's boot service runs: the host's network first,
// then every autostart container, lower order first, one order's containers
// in parallel, each waited for until booted and retried a few times. A
// container that does not come up is reported; the others still start.
func (m *Manager) Autostart(ctx context.Context, o AutostartOptions) error {
	if o.Parallel <= 0 {
		o.Parallel = DefaultAutostartParallel
	}
	if o.Attempts <= 0 {
		o.Attempts = DefaultAutostartAttempts
	}
	if err := m.HostSetup(ctx); err != nil {
		return err
	}
	groups, err := m.autostartSet()
	if err != nil {
		return err
	}
	var started, already, failed []string
	var mu sync.Mutex
	for gi, group := range groups {
		sem := make(chan struct{}, o.Parallel)
		var wg sync.WaitGroup
		for _, mb := range group {
			wg.Add(1)
			sem <- struct{}{}
			go func(mb member) {
				defer wg.Done()
				defer func() { <-sem }()
				outcome, err := m.autostartOne(ctx, mb, o)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					failed = append(failed, mb.name)
					m.printf("autostart: %s (order %d) failed: %v\n", mb.name, mb.order, oneline.Clean(err.Error()))
				case outcome == "running":
					already = append(already, mb.name)
				default:
					started = append(started, mb.name)
					m.printf("autostart: %s (order %d) is up\n", mb.name, mb.order)
				}
			}(mb)
		}
		wg.Wait()
		if gi < len(groups)-1 {
			var delay time.Duration
			for _, mb := range group {
				if mb.delay > delay {
					delay = mb.delay
				}
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(delay):
			}
		}
	}
	sort.Strings(failed)
	summary := fmt.Sprintf("autostart: %d started, %d already running, %d failed", len(started), len(already), len(failed))
	if len(failed) > 0 {
		return fmt.Errorf("%s: %s", summary, strings.Join(failed, ", "))
	}
	m.printf("%s\n", summary)
	return nil
}

// autostartOne starts one container, retrying; it reports "running" for a
// container that already was. Each start and each kill of a failed one runs
// in a nixlxc process of its own, as `nixlxc start` and `nixlxc terminate`:
// liblxc leaves an lxc.monitor cgroup behind whenever the process that
// started a container also stops it.
func (m *Manager) autostartOne(ctx context.Context, mb member, o AutostartOptions) (string, error) {
	var last error
	for attempt := 1; attempt <= o.Attempts; attempt++ {
		rec, err := m.loadUsable(mb.name)
		if err != nil {
			return "", err
		}
		state, err := m.lxc.State(rec.Name)
		if err != nil {
			return "", err
		}
		switch state {
		case lxcapi.Running:
			return "running", nil
		case lxcapi.Stopped:
		default:
			return "", fmt.Errorf("%w: %s is %s", ErrRunning, mb.name, state)
		}
		timeout := o.BootTimeout
		if timeout <= 0 {
			timeout = DefaultBootTimeout
		}
		err = m.self(ctx, "start", "--timeout", timeout.String(), mb.name)
		if err == nil {
			return "started", nil
		}
		last = err
		// A half-booted container is stopped before the next try.
		m.self(ctx, "terminate", mb.name)
		if attempt < o.Attempts {
			m.printf("autostart: %s: attempt %d of %d failed: %v\n", mb.name, attempt, o.Attempts, oneline.Clean(err.Error()))
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			}
		}
	}
	return "", last
}

// self runs a nixlxc command on this installation in a process of its own
// and returns its error line as an error.
func (m *Manager) self(ctx context.Context, args ...string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	all := append([]string{"--state-dir", m.stateDir, "--profile-dir", m.profileDir, "--host-config", m.hostConfig}, args...)
	cmd := exec.CommandContext(ctx, exe, all...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimPrefix(strings.TrimSpace(stderr.String()), "nixlxc: "); msg != "" {
			return errors.New(oneline.Clean(msg))
		}
		return err
	}
	return nil
}

// ShutdownAll stops every running container cleanly, in the reverse of the
// autostart order (containers without autostart first), killing those that
// do not stop within timeout.
func (m *Manager) ShutdownAll(ctx context.Context, timeout time.Duration, parallel int) error {
	if parallel <= 0 {
		parallel = DefaultAutostartParallel
	}
	names, err := m.Names()
	if err != nil {
		return err
	}
	active := m.lxc.Active()
	var members []member
	for _, name := range names {
		if !active[name] {
			continue
		}
		order := 0
		if rec, err := m.loadUsable(name); err == nil {
			if a := m.autostartOf(rec); a.Enable {
				order = a.Order
			} else {
				// Stopped first: nothing was ordered after them.
				order = maxOrder
			}
		}
		members = append(members, member{name: name, order: order})
	}
	groups := groupByOrder(members)
	var failed []string
	stopped := 0
	var mu sync.Mutex
	for gi := len(groups) - 1; gi >= 0; gi-- {
		sem := make(chan struct{}, parallel)
		var wg sync.WaitGroup
		for _, mb := range groups[gi] {
			wg.Add(1)
			sem <- struct{}{}
			go func(mb member) {
				defer wg.Done()
				defer func() { <-sem }()
				err := m.Stop(ctx, mb.name, timeout)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed = append(failed, mb.name)
					m.printf("shutdown-all: %s: %v\n", mb.name, oneline.Clean(err.Error()))
					return
				}
				stopped++
			}(mb)
		}
		wg.Wait()
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		return fmt.Errorf("shutdown-all: %d stopped, %d failed: %s", stopped, len(failed), strings.Join(failed, ", "))
	}
	m.printf("shutdown-all: %d stopped\n", stopped)
	return nil
}

// maxOrder sorts containers without autostart after every ordered one.
const maxOrder = int(^uint(0) >> 1)

// autostartOf is a container's autostart setting in its current generation.
func (m *Manager) autostartOf(rec *record) spec.Autostart {
	if system, err := m.currentSystem(rec.Name); err == nil {
		return generationSettings(system, rec.Settings).Autostart
	}
	return rec.Settings.Autostart
}

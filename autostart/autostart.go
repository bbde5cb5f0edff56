// Package autostart starts a host's containers at boot and stops them at
// shutdown, in order: lower order first at boot and the reverse at
// shutdown, the containers of one order in parallel, each start retried.
// It knows nothing of containers but their names and orders; the caller
// hands it what starts and stops one, and hears of each step as an event.
package autostart

import (
	"context"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Member is a container in an ordered start or stop.
type Member struct {
	Name  string
	Order int
	// Delay is waited after its order's containers have started.
	Delay time.Duration
}

// Groups sorts members by order, then name, and groups equal orders.
func Groups(members []Member) [][]Member {
	ms := append([]Member(nil), members...)
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Order != ms[j].Order {
			return ms[i].Order < ms[j].Order
		}
		return ms[i].Name < ms[j].Name
	})
	var groups [][]Member
	for i, m := range ms {
		if i == 0 || m.Order != ms[i-1].Order {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], m)
	}
	return groups
}

// Starter starts and kills one container.
type Starter interface {
	// Start starts a stopped container and returns once it has booted;
	// a running one is left alone (already).
	Start(ctx context.Context, name string) (already bool, err error)
	// Kill stops a container that did not come up, before a retry.
	Kill(ctx context.Context, name string) error
}

// What happened to a container.
type EventKind int

const (
	Started        EventKind = iota // it booted
	AlreadyRunning                  // it was running
	AttemptFailed                   // a try failed; another follows
	Failed                          // every try failed
	Stopped                         // it stopped (shutdown)
	StopFailed                      // it did not stop
	Starting                        // a try begins (Attempt of Attempts)
	Stopping                        // its stop begins
)

// Event is one step, for the caller to show.
type Event struct {
	Kind              EventKind
	Member            Member
	Attempt, Attempts int
	Err               error
}

// Options tune a start.
type Options struct {
	Parallel int // containers of one order at once (>= 1)
	Attempts int // tries per container (>= 1)
	// Report hears every event, from one goroutine at a time.
	Report func(Event)
	// retryPause is the pause before try n+1 (n * retryPause).
	retryPause time.Duration
}

// Result lists the containers by outcome, each sorted.
type Result struct {
	Started, Already, Failed []string
}

// Start starts the groups in order, waiting each group's longest delay
// before the next. A container that fails does not stop the others.
func Start(ctx context.Context, groups [][]Member, s Starter, o Options) (Result, error) {
	o = o.withDefaults()
	var res Result
	rep := o.reporter()
	for gi, group := range groups {
		g := new(errgroup.Group)
		g.SetLimit(o.Parallel)
		var mu sync.Mutex
		for _, m := range group {
			m := m
			g.Go(func() error {
				already, err := startOne(ctx, m, s, o, rep)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					res.Failed = append(res.Failed, m.Name)
					rep(Event{Kind: Failed, Member: m, Attempts: o.Attempts, Err: err})
				case already:
					res.Already = append(res.Already, m.Name)
					rep(Event{Kind: AlreadyRunning, Member: m})
				default:
					res.Started = append(res.Started, m.Name)
					rep(Event{Kind: Started, Member: m})
				}
				return nil
			})
		}
		g.Wait()
		if gi == len(groups)-1 {
			break
		}
		var delay time.Duration
		for _, m := range group {
			delay = max(delay, m.Delay)
		}
		select {
		case <-ctx.Done():
			res.sort()
			return res, ctx.Err()
		case <-time.After(delay):
		}
	}
	res.sort()
	return res, nil
}

func startOne(ctx context.Context, m Member, s Starter, o Options, rep func(Event)) (already bool, err error) {
	for attempt := 1; ; attempt++ {
		rep(Event{Kind: Starting, Member: m, Attempt: attempt, Attempts: o.Attempts})
		already, err = s.Start(ctx, m.Name)
		if err == nil {
			return already, nil
		}
		// A half-booted container is stopped: before the next try, and
		// after the last (a container that did not come up is not left
		// running).
		s.Kill(context.WithoutCancel(ctx), m.Name)
		if attempt >= o.Attempts || ctx.Err() != nil {
			return false, err
		}
		rep(Event{Kind: AttemptFailed, Member: m, Attempt: attempt, Attempts: o.Attempts, Err: err})
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(time.Duration(attempt) * o.retryPause):
		}
	}
}

// Stop stops the groups in the reverse order, those of one order in
// parallel; stop stops one container.
func Stop(ctx context.Context, groups [][]Member, stop func(ctx context.Context, name string) error, parallel int, report func(Event)) StopResult {
	o := Options{Parallel: parallel, Report: report}.withDefaults()
	rep := o.reporter()
	var res StopResult
	for gi := len(groups) - 1; gi >= 0; gi-- {
		g := new(errgroup.Group)
		g.SetLimit(o.Parallel)
		var mu sync.Mutex
		for _, m := range groups[gi] {
			m := m
			g.Go(func() error {
				rep(Event{Kind: Stopping, Member: m})
				err := stop(ctx, m.Name)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					res.Failed = append(res.Failed, m.Name)
					rep(Event{Kind: StopFailed, Member: m, Err: err})
					return nil
				}
				res.Stopped = append(res.Stopped, m.Name)
				rep(Event{Kind: Stopped, Member: m})
				return nil
			})
		}
		g.Wait()
	}
	sort.Strings(res.Stopped)
	sort.Strings(res.Failed)
	return res
}

// StopResult lists the containers by outcome, each sorted.
type StopResult struct {
	Stopped, Failed []string
}

func (o Options) withDefaults() Options {
	o.Parallel = max(o.Parallel, 1)
	o.Attempts = max(o.Attempts, 1)
	if o.retryPause == 0 {
		o.retryPause = 500 * time.Millisecond
	}
	return o
}

// reporter serialises the events: the caller's Report need not lock.
func (o Options) reporter() func(Event) {
	if o.Report == nil {
		return func(Event) {}
	}
	var mu sync.Mutex
	return func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		o.Report(e)
	}
}

func (r *Result) sort() {
	sort.Strings(r.Started)
	sort.Strings(r.Already)
	sort.Strings(r.Failed)
}

package autostart

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGroups(t *testing.T) {
	got := Groups([]Member{{Name: "c", Order: 20}, {Name: "b", Order: 10}, {Name: "a", Order: 10}, {Name: "d"}})
	var names [][]string
	for _, g := range got {
		var n []string
		for _, m := range g {
			n = append(n, m.Name)
		}
		names = append(names, n)
	}
	if want := [][]string{{"d"}, {"a", "b"}, {"c"}}; !reflect.DeepEqual(names, want) {
		t.Errorf("Groups = %v, want %v", names, want)
	}
	if Groups(nil) != nil {
		t.Error("no members, some groups")
	}
}

// fake records what a start does: when each container starts, how many
// run at once, and fails the named ones a number of times.
type fake struct {
	mu         sync.Mutex
	log        []string
	running    int
	maxRunning int
	fails      map[string]int // name -> tries that fail (-1: all)
	already    map[string]bool
}

func (f *fake) Start(ctx context.Context, name string) (bool, error) {
	f.mu.Lock()
	f.log = append(f.log, "start "+name)
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	n := f.fails[name]
	if n > 0 {
		f.fails[name] = n - 1
	}
	f.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	f.mu.Lock()
	f.running--
	f.mu.Unlock()
	if n != 0 {
		return false, errors.New("did not boot")
	}
	return f.already[name], nil
}

func (f *fake) Kill(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, "kill "+name)
	return nil
}

func TestStartOrderRetriesAndFailures(t *testing.T) {
	f := &fake{fails: map[string]int{"flaky": 1, "broken": -1}, already: map[string]bool{"up": true}}
	groups := Groups([]Member{
		{Name: "late", Order: 20},
		{Name: "flaky", Order: 10, Delay: 30 * time.Millisecond},
		{Name: "broken", Order: 10},
		{Name: "up", Order: 10},
	})
	var events []string
	o := Options{Parallel: 2, Attempts: 2, retryPause: time.Millisecond, Report: func(e Event) {
		events = append(events, fmt.Sprintf("%d %s %d/%d", e.Kind, e.Member.Name, e.Attempt, e.Attempts))
	}}
	t0 := time.Now()
	res, err := Start(context.Background(), groups, f, o)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Started: []string{"flaky", "late"}, Already: []string{"up"}, Failed: []string{"broken"}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("Start = %+v, want %+v", res, want)
	}
	// late (order 20) starts after every order-10 container is done, and
	// after the group's longest delay.
	last := f.log[len(f.log)-1]
	if last != "start late" {
		t.Errorf("late did not start last: %v", f.log)
	}
	if time.Since(t0) < 30*time.Millisecond {
		t.Errorf("the order-10 delay was not waited")
	}
	if f.maxRunning > 2 {
		t.Errorf("%d starts at once, parallel is 2", f.maxRunning)
	}
	log := strings.Join(f.log, ",")
	if strings.Count(log, "start broken") != 2 || strings.Count(log, "kill broken") != 2 || strings.Count(log, "start flaky") != 2 {
		t.Errorf("retries: %v", f.log)
	}
	joined := strings.Join(events, ",")
	for _, e := range []string{"6 flaky 1/2", "2 flaky 1/2", "6 flaky 2/2", "3 broken 0/2", "2 broken 1/2", "0 flaky", "1 up"} {
		if !strings.Contains(joined, e) {
			t.Errorf("events %v lack %q", events, e)
		}
	}
}

func TestStartStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fake{}
	groups := Groups([]Member{{Name: "a", Order: 1, Delay: time.Hour}, {Name: "b", Order: 2}})
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	res, err := Start(ctx, groups, f, Options{})
	if !errors.Is(err, context.Canceled) || len(res.Started) != 1 {
		t.Errorf("Start cancelled during a delay = %+v, %v", res, err)
	}
}

func TestStopReverseOrder(t *testing.T) {
	var mu sync.Mutex
	var order []string
	stop := func(ctx context.Context, name string) error {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, name)
		if name == "stuck" {
			return errors.New("would not stop")
		}
		return nil
	}
	groups := Groups([]Member{{Name: "first", Order: 1}, {Name: "second", Order: 2}, {Name: "stuck", Order: 3}})
	res := Stop(context.Background(), groups, stop, 4, nil)
	if !reflect.DeepEqual(order, []string{"stuck", "second", "first"}) {
		t.Errorf("stop order %v", order)
	}
	if !reflect.DeepEqual(res, StopResult{Stopped: []string{"first", "second"}, Failed: []string{"stuck"}}) {
		t.Errorf("Stop = %+v", res)
	}
}

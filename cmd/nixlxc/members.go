package main

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// memberProgress shows work on several containers at once (autostart,
// shutdown-all): each container's outcome is one line; at a terminal, the
// containers under way are live lines below, one each, with what is being
// done and for how long.
type memberProgress struct {
	mu   sync.Mutex
	w    io.Writer
	live *liveLines // nil: no terminal
	busy map[string]busyMember
	tick *time.Ticker
	stop chan struct{}
}

type busyMember struct {
	what  string
	since time.Time
}

func newMemberProgress(w io.Writer) *memberProgress {
	return &memberProgress{w: w, live: newLiveLines(w), busy: map[string]busyMember{}}
}

// begin shows that name's work began ("starting, attempt 1 of 3").
func (p *memberProgress) begin(name, what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live == nil {
		return
	}
	since := time.Now()
	if b, ok := p.busy[name]; ok {
		since = b.since // a retry: the time counts from the first try
	}
	p.busy[name] = busyMember{what: what, since: since}
	if p.tick == nil {
		p.tick, p.stop = time.NewTicker(time.Second), make(chan struct{})
		go p.ticking(p.tick, p.stop)
	}
	p.draw()
}

// done prints name's outcome; it is no longer under way.
func (p *memberProgress) done(name, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.busy, name)
	p.println(line)
}

// note prints a line about name, whose work goes on.
func (p *memberProgress) note(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.println(line)
}

// close removes the live lines.
func (p *memberProgress) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tick != nil {
		p.tick.Stop()
		close(p.stop)
		p.tick = nil
	}
	p.busy = map[string]busyMember{}
	if p.live != nil {
		p.live.set()
	}
}

func (p *memberProgress) println(line string) {
	if p.live == nil {
		fmt.Fprintln(p.w, line)
		return
	}
	p.live.lines = p.lines()
	p.live.println(line)
}

func (p *memberProgress) draw() { p.live.set(p.lines()...) }

// lines are the live lines: the containers under way, by name.
func (p *memberProgress) lines() []string {
	names := make([]string, 0, len(p.busy))
	for n := range p.busy {
		names = append(names, n)
	}
	sort.Strings(names)
	lines := make([]string, len(names))
	for i, n := range names {
		b := p.busy[n]
		lines[i] = fmt.Sprintf("[%s] %s: %s", elapsed(time.Since(b.since)), n, b.what)
	}
	return lines
}

func (p *memberProgress) ticking(t *time.Ticker, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

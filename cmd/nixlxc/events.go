package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

// buildLogsFlag is nix build's -L, for the commands that build.
var buildLogsFlag = &cli.BoolFlag{
	Name:    "print-build-logs",
	Aliases: []string{"L"},
	Usage:   "print the builders' logs in full as they come, as nix build -L does",
}

// printEvents shows a command's events as lines of text. A line the
// container printed is marked as the container's ("NAME> "), so it cannot
// pass for one of nixlxc's own; a line of a builder's log is marked with its
// derivation's name, as `nix build -L` does.
//
// A build shows itself: at a terminal, one live status line (derivations
// built and to build, the current one and its last log line, the time
// taken); elsewhere a line as each derivation begins. buildLogs prints
// every line of the builders' logs (-L); without it, a failed builder's
// last lines are printed, which explain the failure.
func printEvents(w io.Writer, buildLogs bool) func(container.Event) {
	p := &eventPrinter{w: w, live: newLiveLines(w), buildLogs: buildLogs}
	return p.event
}

type eventPrinter struct {
	mu        sync.Mutex
	w         io.Writer
	live      *liveLines // nil: no terminal
	buildLogs bool
	// The build under way, for the live line.
	build      *container.Event
	buildStart time.Time
	tick       *time.Ticker
	stopTick   chan struct{}
}

func (p *eventPrinter) event(e container.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case container.Output:
		p.println(fmt.Sprintf("%s> %s", e.Container, e.Text))
	case container.BuildStatus:
		p.buildStatus(e)
	case container.BuildLog:
		if p.buildLogs {
			p.println(fmt.Sprintf("%s> %s", e.Build.Derivation, e.Text))
		}
	case container.BuildTail:
		if !p.buildLogs {
			p.println(fmt.Sprintf("%s> %s", e.Build.Derivation, e.Text))
		}
	default:
		p.println(e.Text)
	}
}

func (p *eventPrinter) println(line string) {
	if p.live != nil {
		if p.build != nil {
			// Redrawn below the line as the build stands now.
			p.live.lines = []string{buildLine(*p.build, time.Since(p.buildStart))}
		}
		p.live.println(line)
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *eventPrinter) buildStatus(e container.Event) {
	if p.live == nil {
		if e.Text != "" {
			fmt.Fprintln(p.w, e.Text)
		}
		return
	}
	if e.Build.Finished {
		p.live.set()
		p.build = nil
		if p.tick != nil {
			p.tick.Stop()
			close(p.stopTick)
			p.tick = nil
		}
		return
	}
	if p.build == nil {
		p.buildStart = time.Now()
		p.build = &e
		p.live.set(buildLine(e, 0))
		// Redrawn a few times a second, not once per event (a builder
		// may print thousands of lines), and while Nix is silent, so the
		// time taken moves on.
		p.tick, p.stopTick = time.NewTicker(200*time.Millisecond), make(chan struct{})
		go p.ticking(p.tick, p.stopTick)
		return
	}
	p.build = &e
}

func (p *eventPrinter) ticking(t *time.Ticker, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.build != nil {
				p.live.set(buildLine(*p.build, time.Since(p.buildStart)))
			}
			p.mu.Unlock()
		}
	}
}

// buildLine is the live status of a build:
// "[12s] web: 1/3 built, building slow-build (buildPhase): step 3".
func buildLine(e container.Event, took time.Duration) string {
	b := e.Build
	var parts []string
	if b.ToBuild > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d built", b.Built, b.ToBuild))
	}
	if b.ToFetch > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d fetched", b.Fetched, b.ToFetch))
	}
	if b.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", b.Failed))
	}
	now := "evaluating"
	if b.Derivation != "" {
		now = "building " + b.Derivation
		if b.Fetching {
			now = "fetching " + b.Derivation
		}
		if b.Phase != "" {
			now += " (" + b.Phase + ")"
		}
		if b.LastLine != "" {
			now += ": " + b.LastLine
		}
	}
	parts = append(parts, now)
	return fmt.Sprintf("[%s] %s: %s", elapsed(took), e.Container, strings.Join(parts, ", "))
}

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/autostart"
	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/urfave/cli/v2"
)

const (
	defaultParallel = 4
	defaultAttempts = 3
)

func autostartCommand() *cli.Command {
	return &cli.Command{
		Name:        "autostart",
		Usage:       "what the boot service runs: set up the host network, then start every autostart container in order",
		Description: "Example: nixlxc autostart --parallel 8",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "parallel", Value: defaultParallel, Usage: "containers of one order started at once"},
			&cli.IntFlag{Name: "attempts", Value: defaultAttempts, Usage: "tries per container"},
			&cli.DurationFlag{Name: "timeout", Value: container.DefaultBootTimeout, Usage: "how long each try waits for the system to report booted"},
		},
		Action: withManager(nil, func(c *cli.Context, m *container.Manager, _ []string) error {
			w := c.App.Writer
			starter := managerStarter{m: m, timeout: c.Duration("timeout")}
			// One line per container; at a terminal, those starting live.
			p := newMemberProgress(w)
			res, err := m.Autostart(c.Context, starter, autostart.Options{
				Parallel: c.Int("parallel"),
				Attempts: c.Int("attempts"),
				Report: func(e autostart.Event) {
					name := e.Member.Name
					switch e.Kind {
					case autostart.Starting:
						p.begin(name, fmt.Sprintf("starting (order %d, attempt %d of %d)", e.Member.Order, e.Attempt, e.Attempts))
					case autostart.Started:
						p.done(name, fmt.Sprintf("autostart: %s (order %d) is up", name, e.Member.Order))
					case autostart.AlreadyRunning:
						p.done(name, fmt.Sprintf("autostart: %s (order %d) was running", name, e.Member.Order))
					case autostart.AttemptFailed:
						p.note(fmt.Sprintf("autostart: %s: attempt %d of %d failed: %s", name, e.Attempt, e.Attempts, oneline.Clean(e.Err.Error())))
					case autostart.Failed:
						p.done(name, fmt.Sprintf("autostart: %s (order %d) failed: %s", name, e.Member.Order, oneline.Clean(e.Err.Error())))
					}
				},
			})
			p.close()
			summary := fmt.Sprintf("autostart: %d started, %d already running, %d failed", len(res.Started), len(res.Already), len(res.Failed))
			switch {
			case err != nil:
				return err
			case len(res.Failed) > 0:
				return fmt.Errorf("%s: %s", summary, strings.Join(res.Failed, ", "))
			}
			fmt.Fprintln(w, summary)
			return nil
		}),
	}
}

// managerStarter starts and kills each container from this process, as
// start and terminate do. liblxc's start itself runs in nixlxc-helper, a
// process of its own per container (lxcapi): its monitor is a fork of that
// small process, and no two liblxc starts share a process.
type managerStarter struct {
	m       *container.Manager
	timeout time.Duration
}

func (s managerStarter) Start(ctx context.Context, name string) (bool, error) {
	if state, err := s.m.State(ctx, name); err == nil && state == "RUNNING" {
		return true, nil
	}
	return false, s.m.Start(ctx, name, container.StartOptions{Timeout: s.timeout})
}

func (s managerStarter) Kill(ctx context.Context, name string) error {
	return s.m.Terminate(ctx, name)
}

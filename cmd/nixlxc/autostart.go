package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/nixlxc/nixlxc/autostart"
	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/nixlxc/nixlxc/reexec"
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
			starter := processStarter{m: m, inst: installationOf(c), timeout: c.Duration("timeout")}
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

// installation names the directories a re-executed nixlxc works on.
type installation struct {
	StateDir   string `json:"stateDir"`
	ProfileDir string `json:"profileDir"`
	HostConfig string `json:"hostConfig"`
}

func installationOf(c *cli.Context) installation {
	return installation{StateDir: c.String("state-dir"), ProfileDir: c.String("profile-dir"), HostConfig: c.String("host-config")}
}

// lifecycleRequest asks a re-executed nixlxc to start or kill a container.
type lifecycleRequest struct {
	Installation installation  `json:"installation"`
	Name         string        `json:"name"`
	Timeout      time.Duration `json:"timeout,omitempty"`
}

// processStarter starts and kills each container in a nixlxc process of
// its own: liblxc forks its caller as the container's monitor (a small,
// fresh process is the better parent) and is not made for parallel starts
// in one process.
type processStarter struct {
	m       *container.Manager
	inst    installation
	timeout time.Duration
}

func (p processStarter) Start(ctx context.Context, name string) (bool, error) {
	if state, err := p.m.State(ctx, name); err == nil && state == "RUNNING" {
		return true, nil
	}
	return false, p.run(ctx, "start", name)
}

func (p processStarter) Kill(ctx context.Context, name string) error {
	return p.run(ctx, "terminate", name)
}

func (p processStarter) run(ctx context.Context, kind, name string) error {
	cmd, err := reexec.Command(ctx, kind, lifecycleRequest{Installation: p.inst, Name: name, Timeout: p.timeout})
	if err != nil {
		return err
	}
	// An interrupted autostart interrupts the start as ^C would.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
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

// lifecycleHandler is the re-executed side of processStarter.
func lifecycleHandler(kind string) reexec.Handler {
	return func(body []byte) int {
		var req lifecycleRequest
		if err := json.Unmarshal(body, &req); err != nil {
			fmt.Fprintln(os.Stderr, "nixlxc: bad request:", err)
			return exitError
		}
		m, err := container.New(container.Options{StateDir: req.Installation.StateDir, ProfileDir: req.Installation.ProfileDir, HostConfig: req.Installation.HostConfig})
		if err == nil {
			defer m.Close()
			ctx, in := interruptible(context.Background())
			defer in.stop()
			switch kind {
			case "start":
				err = m.Start(ctx, req.Name, container.StartOptions{Timeout: req.Timeout})
			case "terminate":
				err = m.Terminate(ctx, req.Name)
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "nixlxc: %s\n", oneline.Clean(err.Error()))
			return exitCodeOf(err)
		}
		return exitOK
	}
}

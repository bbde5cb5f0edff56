package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/autostart"
	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/urfave/cli/v2"
)

func shutdownAllCommand() *cli.Command {
	return &cli.Command{
		Name:        "shutdown-all",
		Usage:       "what the boot service runs at host shutdown: stop every running container cleanly, in reverse order",
		Description: "Example: nixlxc shutdown-all --timeout 10s",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "how long each container may take to stop before it is killed"},
			&cli.IntFlag{Name: "parallel", Value: defaultParallel, Usage: "containers of one order stopped at once"},
		},
		Action: withManager(nil, func(c *cli.Context, m *container.Manager, _ []string) error {
			w := c.App.Writer
			// One line per container; at a terminal, those stopping live.
			p := newMemberProgress(w)
			res, err := m.ShutdownAll(c.Context, c.Duration("timeout"), c.Int("parallel"), func(e autostart.Event) {
				switch e.Kind {
				case autostart.Stopping:
					p.begin(e.Member.Name, "stopping")
				case autostart.Stopped:
					p.done(e.Member.Name, fmt.Sprintf("shutdown-all: %s stopped", e.Member.Name))
				case autostart.StopFailed:
					p.done(e.Member.Name, fmt.Sprintf("shutdown-all: %s: %s", e.Member.Name, oneline.Clean(e.Err.Error())))
				}
			})
			p.close()
			if err != nil {
				return err
			}
			if len(res.Failed) > 0 {
				return fmt.Errorf("shutdown-all: %d stopped, %d failed: %s", len(res.Stopped), len(res.Failed), strings.Join(res.Failed, ", "))
			}
			fmt.Fprintf(w, "shutdown-all: %d stopped\n", len(res.Stopped))
			return nil
		}),
	}
}

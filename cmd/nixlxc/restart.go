package main

import (
	"time"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func restartCommand() *cli.Command {
	return &cli.Command{
		Name:        "restart",
		Usage:       "stop a container cleanly, then start it and wait until it has booted (a stopped one is just started)",
		ArgsUsage:   "NAME",
		Description: "Example: nixlxc restart web",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "stop-timeout", Value: 30 * time.Second, Usage: "how long the system may take to stop before it is killed"},
			&cli.DurationFlag{Name: "timeout", Value: container.DefaultBootTimeout, Usage: "how long to wait for the system to report booted"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			// Two steps, each under the container's lock, as stop and start
			// take it: another command on the container may run between.
			if err := m.Stop(c.Context, a[0], c.Duration("stop-timeout")); err != nil {
				return err
			}
			return m.Start(c.Context, a[0], container.StartOptions{Timeout: c.Duration("timeout")})
		}),
	}
}

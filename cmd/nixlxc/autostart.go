package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func autostartCommand() *cli.Command {
	return &cli.Command{
		Name:  "autostart",
		Usage: "what the boot service runs: set up the host network, then start every autostart container in order",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "parallel", Value: container.DefaultAutostartParallel, Usage: "containers of one order started at once"},
			&cli.IntFlag{Name: "attempts", Value: container.DefaultAutostartAttempts, Usage: "tries per container"},
			&cli.DurationFlag{Name: "timeout", Value: container.DefaultBootTimeout, Usage: "how long each try waits for the system to report booted"},
		},
		Action: withManager(nil, func(c *cli.Context, m *container.Manager, _ []string) error {
			return m.Autostart(c.Context, container.AutostartOptions{
				Parallel:    c.Int("parallel"),
				Attempts:    c.Int("attempts"),
				BootTimeout: c.Duration("timeout"),
			})
		}),
	}
}

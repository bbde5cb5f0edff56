package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func startCommand() *cli.Command {
	return &cli.Command{
		Name:        "start",
		Usage:       "start a container and wait until its system has booted",
		Description: "Example: nixlxc start web --timeout 2m",
		ArgsUsage:   "NAME",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: container.DefaultBootTimeout, Usage: "how long to wait for the system to report booted"},
			&cli.BoolFlag{Name: "no-wait", Usage: "return once LXC runs the container, like lxc-start -d, without waiting for boot"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			return m.Start(c.Context, a[0], container.StartOptions{Timeout: c.Duration("timeout"), NoWait: c.Bool("no-wait")})
		}),
	}
}

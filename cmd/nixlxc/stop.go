package main

import (
	"time"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func stopCommand() *cli.Command {
	return &cli.Command{
		Name:        "stop",
		Usage:       "stop a container cleanly (its init gets its halt signal), killing it after a timeout",
		Description: "Example: nixlxc stop web --timeout 10s",
		ArgsUsage:   "NAME",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "how long the system may take to stop before it is killed"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			return m.Stop(c.Context, a[0], c.Duration("timeout"))
		}),
	}
}

package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func terminateCommand() *cli.Command {
	return &cli.Command{
		Name:        "terminate",
		Usage:       "kill a container now",
		Description: "Example: nixlxc terminate web",
		ArgsUsage:   "NAME",
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			return m.Terminate(c.Context, a[0])
		}),
	}
}

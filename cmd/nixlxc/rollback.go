package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func rollbackCommand() *cli.Command {
	return &cli.Command{
		Name:        "rollback",
		Usage:       "switch to the generation before the current one (in place if running)",
		Description: "Example: nixlxc rollback web",
		ArgsUsage:   "NAME",
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			return m.Rollback(c.Context, a[0])
		}),
	}
}

package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func existsCommand() *cli.Command {
	return &cli.Command{
		Name:        "exists",
		Usage:       "exit 0 if the container exists, 1 if not",
		Description: "Example: nixlxc exists web && echo web exists",
		ArgsUsage:   "NAME",
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			if !m.Exists(a[0]) {
				return exitCode(1)
			}
			return nil
		}),
	}
}

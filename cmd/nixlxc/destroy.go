package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func destroyCommand() *cli.Command {
	return &cli.Command{
		Name:        "destroy",
		Usage:       "remove a container: rootfs, LXC config, profile and every generation, addresses",
		Description: "Example: nixlxc destroy web --force",
		ArgsUsage:   "NAME",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill a running container first; destroy a declared one all the same"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			return m.Destroy(c.Context, a[0], c.Bool("force"))
		}),
	}
}

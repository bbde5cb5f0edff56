package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func updateCommand() *cli.Command {
	return &cli.Command{
		Name:        "update",
		Usage:       "build a new generation from a config file; a running container switches to it in place",
		Description: "Example: nixlxc update web web.nix --auto-rollback",
		ArgsUsage:   "NAME CONFIG.nix",
		Flags: []cli.Flag{
			nixArgsFlag,
			buildLogsFlag,
			&cli.BoolFlag{
				Name:  "auto-rollback",
				Usage: "if the new generation fails to activate or to report healthy, re-activate the previous one",
			},
			&cli.DurationFlag{
				Name:  "health-timeout",
				Value: container.DefaultHealthTimeout,
				Usage: "with --auto-rollback: how long the new system may take to report healthy",
			},
		},
		Action: withManager([]string{"NAME", "CONFIG.nix"}, func(c *cli.Context, m *container.Manager, a []string) error {
			return m.Update(c.Context, a[0], a[1], container.UpdateOptions{
				AutoRollback:  c.Bool("auto-rollback"),
				HealthTimeout: c.Duration("health-timeout"),
			})
		}),
	}
}

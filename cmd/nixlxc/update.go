package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func updateCommand() *cli.Command {
	return &cli.Command{
		Name:        "update",
		Usage:       "build a new generation from a config file or flake (neither: the current generation's source again); a running container switches to it in place",
		Description: "Example: nixlxc update web web.nix --auto-rollback",
		ArgsUsage:   "NAME [CONFIG.nix]",
		Flags: []cli.Flag{
			nixArgsFlag,
			buildLogsFlag,
			flakeFlag,
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
		Action: func(c *cli.Context) error {
			name, file, err := sourceArgs(c, true)
			if err != nil {
				return err
			}
			m, err := manager(c)
			if err != nil {
				return err
			}
			return m.Update(c.Context, name, file, container.UpdateOptions{
				AutoRollback:  c.Bool("auto-rollback"),
				HealthTimeout: c.Duration("health-timeout"),
				Flake:         c.String("flake"),
			})
		},
	}
}

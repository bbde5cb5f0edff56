package main

import "github.com/urfave/cli/v2"

func destroyCommand() *cli.Command {
	return &cli.Command{
		Name:      "destroy",
		Usage:     "remove a container: rootfs, LXC config, profile and every generation, addresses",
		ArgsUsage: "NAME",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill a running container first"},
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, "NAME")
			if err != nil {
				return err
			}
			m, err := manager(c)
			if err != nil {
				return err
			}
			return m.Destroy(c.Context, a[0], c.Bool("force"))
		},
	}
}

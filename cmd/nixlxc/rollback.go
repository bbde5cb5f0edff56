package main

import "github.com/urfave/cli/v2"

func rollbackCommand() *cli.Command {
	return &cli.Command{
		Name:      "rollback",
		Usage:     "switch to the generation before the current one (in place if running)",
		ArgsUsage: "NAME",
		Action: func(c *cli.Context) error {
			a, err := args(c, "NAME")
			if err != nil {
				return err
			}
			m, err := manager(c)
			if err != nil {
				return err
			}
			return m.Rollback(c.Context, a[0])
		},
	}
}

package main

import "github.com/urfave/cli/v2"

func existsCommand() *cli.Command {
	return &cli.Command{
		Name:      "exists",
		Usage:     "exit 0 if the container exists, 1 if not",
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
			if !m.Exists(a[0]) {
				return exitCode(1)
			}
			return nil
		},
	}
}

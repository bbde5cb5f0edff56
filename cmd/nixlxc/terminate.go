package main

import "github.com/urfave/cli/v2"

func terminateCommand() *cli.Command {
	return &cli.Command{
		Name:      "terminate",
		Usage:     "kill a container now",
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
			return m.Terminate(c.Context, a[0])
		},
	}
}

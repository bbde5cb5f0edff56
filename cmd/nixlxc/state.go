package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func stateCommand() *cli.Command {
	return &cli.Command{
		Name:      "state",
		Usage:     "print a container's state: RUNNING, STOPPED, ...",
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
			state, err := m.State(c.Context, a[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, state)
			return nil
		},
	}
}

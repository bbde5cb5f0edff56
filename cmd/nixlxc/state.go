package main

import (
	"fmt"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func stateCommand() *cli.Command {
	return &cli.Command{
		Name:        "state",
		Usage:       "print a container's state: RUNNING, STOPPED, ...",
		Description: "Example: nixlxc state web",
		ArgsUsage:   "NAME",
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			state, err := m.State(c.Context, a[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, state)
			return nil
		}),
	}
}

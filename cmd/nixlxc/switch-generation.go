package main

import (
	"strconv"

	"github.com/urfave/cli/v2"
)

func switchGenerationCommand() *cli.Command {
	return &cli.Command{
		Name:        "switch-generation",
		Usage:       "switch to generation N (in place if running)",
		Description: "Example: nixlxc switch-generation web 3",
		ArgsUsage:   "NAME N",
		Action: func(c *cli.Context) error {
			a, err := args(c, "NAME", "N")
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(a[1])
			if err != nil || n < 1 {
				return usagef("switch-generation: %q is not a generation number", a[1])
			}
			m, err := manager(c)
			if err != nil {
				return err
			}
			return m.SwitchGeneration(c.Context, a[0], n)
		},
	}
}

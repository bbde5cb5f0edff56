package main

import (
	"time"

	"github.com/urfave/cli/v2"
)

func stopCommand() *cli.Command {
	return &cli.Command{
		Name:      "stop",
		Usage:     "stop a container cleanly (its init gets SIGPWR), killing it after a timeout",
		ArgsUsage: "NAME",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "how long the system may take to stop before it is killed"},
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
			return m.Stop(c.Context, a[0], c.Duration("timeout"))
		},
	}
}

package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print the container's console log and, while it runs, its journal (-f: follow them)",
		ArgsUsage: "NAME",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "go on printing lines as they are written, until ^C"},
			&cli.IntFlag{Name: "lines", Aliases: []string{"n"}, Value: 50, Usage: "how many lines of the end of each log (0: all)"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			if c.Int("lines") < 0 {
				return usagef("logs: -n must be 0 (all) or more, got %d", c.Int("lines"))
			}
			return m.Logs(c.Context, a[0], container.LogOptions{Lines: c.Int("lines"), Follow: c.Bool("follow")}, c.App.Writer)
		}),
	}
}

package main

import (
	"strconv"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:        "logs",
		Usage:       "print the container's console log and, while it runs, its journal (-f: follow them)",
		Description: "Example: nixlxc logs web -f -n 20",
		ArgsUsage:   "NAME",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "go on printing lines as they are written, until ^C"},
			&cli.StringFlag{Name: "lines", Aliases: []string{"n"}, Value: "50", Usage: "how many lines of the end of each log, or all"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			n, err := logLines(c.String("lines"))
			if err != nil {
				return err
			}
			return m.Logs(c.Context, a[0], container.LogOptions{Lines: n, Follow: c.Bool("follow")}, c.App.Writer)
		}),
	}
}

// logLines reads -n: a number of lines, or all (0 for the container
// package), as journalctl's -n.
func logLines(s string) (int, error) {
	if s == "all" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, usagef("logs: -n %q: give a number of lines, like 50, or all", s)
	}
	return n, nil
}

package main

import (
	"os"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func consoleCommand() *cli.Command {
	return &cli.Command{
		Name:        "console",
		Usage:       "attach to the container's console (its /dev/console); detach with Ctrl-a q",
		Description: "Example: nixlxc console web   (then Ctrl-a q to leave it)",
		ArgsUsage:   "NAME",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "escape", Aliases: []string{"e"}, Value: string(container.DefaultEscape),
				Usage: "the letter of the escape key: Ctrl and it, then q, detaches; typed twice, it is sent once"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			e := c.String("escape")
			if len(e) != 1 || e[0] < 'a' || e[0] > 'z' {
				return usagef("console: --escape must be one letter a to z (Ctrl and the letter), got %q", e)
			}
			return m.Console(c.Context, a[0], container.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, rune(e[0]))
		}),
	}
}

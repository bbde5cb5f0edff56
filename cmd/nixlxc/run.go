package main

import (
	"os"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:        "run",
		Usage:       "run a command in a running container; its output and exit status pass through",
		Description: "Example: nixlxc run web -- systemctl status httpd",
		ArgsUsage:   "NAME -- CMD [ARGS...]",
		Action: func(c *cli.Context) error {
			all := c.Args().Slice()
			if len(all) < 2 {
				return usagef("run needs NAME and a command: nixlxc run NAME -- CMD [ARGS...]")
			}
			name, argv := all[0], all[1:]
			if argv[0] == "--" {
				argv = argv[1:]
			}
			if len(argv) == 0 {
				return usagef("run needs a command after --")
			}
			m, err := manager(c)
			if err != nil {
				return err
			}
			status, err := m.Run(c.Context, name, argv, container.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
			if err != nil {
				return err
			}
			if status != 0 {
				return exitCode(status)
			}
			return nil
		},
	}
}

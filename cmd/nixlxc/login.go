package main

import (
	"os"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func loginCommand() *cli.Command {
	return &cli.Command{
		Name:        "login",
		Aliases:     []string{"root-login"}, // nixos-container's name
		Usage:       "open an interactive root login shell in a running container",
		Description: "Example: nixlxc login web",
		ArgsUsage:   "NAME",
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			status, err := m.Login(c.Context, a[0], container.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
			if err != nil {
				return err
			}
			if status != 0 {
				return exitCode(status)
			}
			return nil
		}),
	}
}

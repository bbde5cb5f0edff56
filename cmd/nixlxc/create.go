package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func createCommand() *cli.Command {
	return &cli.Command{
		Name:        "create",
		Usage:       "build a container's system from a config file (or, without one, --flake REF) and define the container",
		Description: "Example: nixlxc create web examples/webserver.nix -n \"-I nixpkgs=/src/nixpkgs\"",
		ArgsUsage:   "NAME [CONFIG.nix]",
		Flags: []cli.Flag{
			nixArgsFlag,
			buildLogsFlag,
			flakeFlag,
			&cli.BoolFlag{
				Name:  "shared-idmap",
				Usage: "map root to host uid 100000 like every nixcloud container, instead of a range of its own",
			},
			&cli.BoolFlag{
				Name:  "ephemeral",
				Usage: "keep its root file system in memory: empty at every start, gone at stop (as if the file said ephemeral = true)",
			},
		},
		Action: func(c *cli.Context) error {
			name, file, err := sourceArgs(c, false)
			if err != nil {
				return err
			}
			m, err := manager(c)
			if err != nil {
				return err
			}
			return m.Create(c.Context, name, file, container.CreateOptions{SharedIDMap: c.Bool("shared-idmap"), Flake: c.String("flake"), Ephemeral: c.Bool("ephemeral")})
		},
	}
}

package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func createCommand() *cli.Command {
	return &cli.Command{
		Name:        "create",
		Usage:       "build a container's system from a config file and define the container",
		Description: "Example: nixlxc create web examples/webserver.nix -n \"-I nixpkgs=/src/nixpkgs\"",
		ArgsUsage:   "NAME CONFIG.nix",
		Flags: []cli.Flag{
			nixArgsFlag,
			buildLogsFlag,
			&cli.BoolFlag{
				Name:  "shared-idmap",
				Usage: "map root to host uid 100000 like every nixcloud container, instead of a range of its own",
			},
		},
		Action: withManager([]string{"NAME", "CONFIG.nix"}, func(c *cli.Context, m *container.Manager, a []string) error {
			return m.Create(c.Context, a[0], a[1], container.CreateOptions{SharedIDMap: c.Bool("shared-idmap")})
		}),
	}
}

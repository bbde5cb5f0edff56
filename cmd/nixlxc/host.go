package main

import (
	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func hostCommand() *cli.Command {
	return &cli.Command{
		Name:        "host",
		Description: "Example: nixlxc host setup",
		Usage:       "the host's side of the network: bridges, NAT, IPv6 (from host.json)",
		Subcommands: []*cli.Command{
			{
				Name:        "setup",
				Description: "Example: nixlxc host setup",
				Usage:       "create brNC-hostonly and brNC-internet, forwarding and nixlxc's nftables rules; idempotent",
				Action: withManager(nil, func(c *cli.Context, m *container.Manager, _ []string) error {
					return m.HostSetup(c.Context)
				}),
			},
			{
				Name:        "teardown",
				Description: "Example: nixlxc host teardown --force",
				Usage:       "remove exactly what setup made: nixlxc's bridges and nftables tables, its sysctl changes",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "force", Usage: "even while containers run (they lose their network)"},
				},
				Action: withManager(nil, func(c *cli.Context, m *container.Manager, _ []string) error {
					return m.HostTeardown(c.Context, c.Bool("force"))
				}),
			},
		},
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func showIPCommand() *cli.Command {
	return &cli.Command{
		Name:        "show-ip",
		Usage:       "print the container's hostonly IPv4 address (-6: its IPv6 address; --json: every address)",
		Description: "Example: ssh root@$(nixlxc show-ip web)",
		ArgsUsage:   "NAME",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "6", Usage: "print the IPv6 address of the internet interface"},
			&cli.BoolFlag{Name: "json", Usage: "print every interface and address as JSON (the same fields as list's interfaces)"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			addrs, err := m.ShowIP(c.Context, a[0])
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(interfacesOf(addrs))
			}
			var cidr string
			if c.Bool("6") {
				if addrs.Internet != nil {
					cidr = addrs.Internet.IPv6
				}
				if cidr == "" {
					return fmt.Errorf("%s has no IPv6 address (it needs network.enableNat and ipv6 in the host config)", a[0])
				}
			} else if addrs.Hostonly != nil {
				cidr = addrs.Hostonly.IPv4
			}
			if cidr == "" {
				return fmt.Errorf("%s has no address", a[0])
			}
			p, err := netip.ParsePrefix(cidr)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, p.Addr())
			return nil
		}),
	}
}

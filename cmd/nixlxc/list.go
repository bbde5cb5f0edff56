package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list containers: name, state, address, generation, autostart (nothing at all when there are none)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array for scripts"},
		},
		Action: withManager(nil, func(c *cli.Context, m *container.Manager, _ []string) error {
			// A partial listing (no addresses) comes with an error: print
			// what is known, then fail.
			infos, listErr := m.List(c.Context)
			if infos == nil && listErr != nil {
				return listErr
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				if err := enc.Encode(infos); err != nil {
					return err
				}
				return listErr
			}
			// No header: scripts read the first column, and an empty list
			// prints nothing, as nixcloud-container's did.
			w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			for _, i := range infos {
				ip := i.IPv4
				if ip == "" {
					ip = "-"
				}
				auto := "-"
				if i.Autostart.Enable {
					auto = "autostart"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\tgeneration %d\t%s\n", i.Name, i.State, ip, i.Generation, auto)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			return listErr
		}),
	}
}

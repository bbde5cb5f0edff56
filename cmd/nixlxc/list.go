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
			infos, err := m.List(c.Context)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(infos)
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
			return w.Flush()
		}),
	}
}

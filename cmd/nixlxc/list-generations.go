package main

import (
	"encoding/json"
	"fmt"

	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/generations"
	"github.com/urfave/cli/v2"
)

func listGenerationsCommand() *cli.Command {
	return &cli.Command{
		Name:        "list-generations",
		Usage:       "list a container's generations like nix-env --list-generations",
		Description: "Example: nixlxc list-generations web",
		ArgsUsage:   "NAME",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array for scripts"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			gens, err := m.ListGenerations(c.Context, a[0])
			if err != nil {
				return err
			}
			if c.Bool("json") {
				if gens == nil {
					gens = []generations.Generation{}
				}
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(gens)
			}
			fmt.Fprint(c.App.Writer, generations.Format(gens))
			return nil
		}),
	}
}

package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

func deleteGenerationsCommand() *cli.Command {
	return &cli.Command{
		Name:        "delete-generations",
		Usage:       "delete generations: numbers, old, +N (keep N), Nd (older than N days); never the current one",
		Description: "Example: nixlxc delete-generations web +3 30d",
		ArgsUsage:   "NAME SPEC...",
		Action: func(c *cli.Context) error {
			all := c.Args().Slice()
			if len(all) > 1 && all[1] == "--" {
				all = append(all[:1], all[2:]...)
			}
			for _, a := range all {
				if strings.HasPrefix(a, "-") {
					return usagef("delete-generations: %q is neither a generation nor a flag of delete-generations (specs are numbers, old, +N or Nd)", a)
				}
			}
			if len(all) < 2 {
				return usagef("delete-generations needs NAME and generations (numbers, old, +N or Nd)")
			}
			m, err := manager(c)
			if err != nil {
				return err
			}
			deleted, err := m.DeleteGenerations(c.Context, all[0], all[1:])
			if err != nil {
				return err
			}
			if len(deleted) == 0 {
				fmt.Fprintf(c.App.Writer, "%s: no generation to delete\n", all[0])
				return nil
			}
			nums := make([]string, len(deleted))
			for i, n := range deleted {
				nums[i] = strconv.Itoa(n)
			}
			fmt.Fprintf(c.App.Writer, "%s: deleted generation(s) %s\n", all[0], strings.Join(nums, " "))
			return nil
		},
	}
}

package main

import (
	"encoding/json"
	"fmt"

	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/urfave/cli/v2"
)

func doctorCommand() *cli.Command {
	return &cli.Command{
		Name:        "doctor",
		Usage:       "find (and with --repair fix) what interrupted commands left: leases, veths, profiles, directories, locks, GC roots",
		Description: "Example: nixlxc doctor --repair",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "repair", Usage: "fix what can be fixed"},
			&cli.BoolFlag{Name: "json", Usage: "print the findings as JSON"},
		},
		Action: withManager(nil, func(c *cli.Context, m *container.Manager, _ []string) error {
			findings, err := m.Doctor(c.Context, c.Bool("repair"))
			if err != nil {
				return err
			}
			// Findings quote what containers wrote (the system a container
			// reports running): never let it drive the terminal.
			for i, f := range findings {
				findings[i].Problem, findings[i].Err, findings[i].Advice = oneline.Clean(f.Problem), oneline.Clean(f.Err), oneline.Clean(f.Advice)
			}
			if c.Bool("json") {
				if findings == nil {
					findings = []container.Finding{}
				}
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				if err := enc.Encode(findings); err != nil {
					return err
				}
			}
			unfixed, repairable := 0, 0
			for _, f := range findings {
				if !f.Repaired && f.Advice == "" {
					repairable++
				}
				if !c.Bool("json") {
					switch {
					case f.Repaired && f.Note != "":
						fmt.Fprintf(c.App.Writer, "repaired: %s (%s)\n", f.Problem, f.Note)
					case f.Repaired:
						fmt.Fprintf(c.App.Writer, "repaired: %s\n", f.Problem)
					case f.Err != "":
						fmt.Fprintf(c.App.Writer, "not repaired: %s: %s\n", f.Problem, f.Err)
					case f.Advice != "":
						fmt.Fprintf(c.App.Writer, "found: %s (%s)\n", f.Problem, f.Advice)
					default:
						fmt.Fprintf(c.App.Writer, "found: %s\n", f.Problem)
					}
				}
				if !f.Repaired {
					unfixed++
				}
			}
			if len(findings) == 0 {
				if !c.Bool("json") {
					fmt.Fprintln(c.App.Writer, "doctor: nothing to repair")
				}
				return nil
			}
			if unfixed > 0 {
				if !c.Bool("repair") && repairable > 0 {
					return fmt.Errorf("doctor: %d problem(s) found; run nixlxc doctor --repair", unfixed)
				}
				if !c.Bool("repair") {
					return fmt.Errorf("doctor: %d problem(s) found, which doctor cannot repair (see above)", unfixed)
				}
				return fmt.Errorf("doctor: %d of %d problem(s) left", unfixed, len(findings))
			}
			return nil
		}),
	}
}

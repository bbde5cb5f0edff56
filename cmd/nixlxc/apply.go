package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/declare"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/urfave/cli/v2"
)

func applyCommand() *cli.Command {
	return &cli.Command{
		Name:        "apply",
		Usage:       "make the host's containers those a declaration file lists: create, update, start and destroy what differs",
		Description: "Example: nixlxc apply --dry-run /etc/nixlxc/containers.json",
		ArgsUsage:   "FILE",
		Flags: []cli.Flag{
			nixArgsFlag,
			&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and change nothing"},
			&cli.IntFlag{Name: "parallel", Value: defaultParallel, Usage: "containers worked on at once"},
			&cli.BoolFlag{Name: "prune-all", Usage: "also destroy containers the file does not list that apply did not make"},
		},
		Action: withManager([]string{"FILE"}, func(c *cli.Context, m *container.Manager, a []string) error {
			if c.Int("parallel") < 1 {
				return usagef("apply: --parallel must be at least 1")
			}
			w := c.App.Writer
			res, err := m.Apply(c.Context, a[0], container.ApplyOptions{
				DryRun:   c.Bool("dry-run"),
				Parallel: c.Int("parallel"),
				PruneAll: c.Bool("prune-all"),
				Plan:     func(steps []declare.Step) { printPlan(w, steps) },
				// From this process, as autostart starts them: liblxc's start
				// runs in a nixlxc-helper of its own per container.
				Start: func(ctx context.Context, name string, timeout time.Duration) error {
					return m.Start(ctx, name, container.StartOptions{Timeout: timeout})
				},
			})
			if err != nil {
				return err
			}
			if c.Bool("dry-run") {
				// A plan that holds containers would fail: so does its dry run.
				var held []string
				for _, s := range res.Steps {
					if s.Action == declare.Hold {
						held = append(held, s.Name)
					}
				}
				if len(held) > 0 {
					return fmt.Errorf("apply: dry run, nothing changed; %d held: %s", len(held), strings.Join(held, ", "))
				}
				fmt.Fprintln(w, "apply: dry run, nothing changed")
				return nil
			}
			return applySummary(w, res)
		}),
	}
}

// printPlan shows the plan, one line per container, as terraform plan
// does: what will be done and why.
func printPlan(w io.Writer, steps []declare.Step) {
	counts := map[declare.Action]int{}
	for _, s := range steps {
		counts[s.Action]++
	}
	fmt.Fprintf(w, "plan: %d to create, %d to update, %d to restart, %d to start, %d to destroy, %d unchanged",
		counts[declare.Create], counts[declare.Update], counts[declare.Restart], counts[declare.Start], counts[declare.Destroy], counts[declare.Keep])
	if counts[declare.Hold] > 0 {
		fmt.Fprintf(w, ", %d held", counts[declare.Hold])
	}
	fmt.Fprintln(w)
	for _, s := range steps {
		reason := s.Reason
		if s.StartAfter {
			reason += ", then started (autoStart)"
		}
		fmt.Fprintf(w, "  %-7s %-11s %s\n", s.Action, s.Name, oneline.Clean(reason))
	}
}

// applySummary prints what apply did and fails, naming each container
// that failed and why, when any did.
func applySummary(w io.Writer, res container.ApplyResult) error {
	counts := map[declare.Action]int{}
	for _, s := range res.Steps {
		counts[s.Action]++
	}
	for _, f := range res.Failed {
		for _, s := range res.Steps {
			if s.Name == f.Name {
				counts[s.Action]--
			}
		}
		fmt.Fprintf(w, "apply: %s failed: %s\n", f.Name, oneline.Clean(f.Err.Error()))
	}
	summary := fmt.Sprintf("apply: %d created, %d updated, %d restarted, %d started, %d destroyed, %d unchanged, %d failed",
		counts[declare.Create], counts[declare.Update], counts[declare.Restart], counts[declare.Start], counts[declare.Destroy], counts[declare.Keep], len(res.Failed))
	if len(res.Failed) == 0 {
		fmt.Fprintln(w, summary)
		return nil
	}
	var names []string
	for _, f := range res.Failed {
		names = append(names, f.Name)
	}
	return fmt.Errorf("%s: %s", summary, strings.Join(names, ", "))
}

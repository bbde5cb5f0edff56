package main

import (
	"time"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func shutdownAllCommand() *cli.Command {
	return &cli.Command{
		Name:  "shutdown-all",
		Usage: "what the boot service runs at host shutdown: stop every running container cleanly, in reverse order",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "how long each container may take to stop before it is killed"},
			&cli.IntFlag{Name: "parallel", Value: container.DefaultAutostartParallel, Usage: "containers of one order stopped at once"},
		},
		Action: withManager(nil, func(c *cli.Context, m *container.Manager, _ []string) error {
			return m.ShutdownAll(c.Context, c.Duration("timeout"), c.Int("parallel"))
		}),
	}
}

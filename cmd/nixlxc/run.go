package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:        "run",
		Usage:       "run a command in a running container (or, with --rm --config FILE, in a throwaway one); its output and exit status pass through",
		Description: "Example: nixlxc run web -- systemctl status httpd\nIn a throwaway container: nixlxc run --rm --config test.nix -- make check",
		// NAME is not there with --rm.
		ArgsUsage: "[NAME] -- CMD [ARGS...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "rm", Usage: "create an ephemeral container from --config, run the command in it and destroy it, whatever the command's exit status"},
			&cli.StringFlag{Name: "config", Usage: "the throwaway container's config file (with --rm)"},
			nixArgsFlag,
			&cli.DurationFlag{Name: "timeout", Value: container.DefaultBootTimeout, Usage: "how long the throwaway container may take to boot"},
		},
		Action: func(c *cli.Context) error {
			all := c.Args().Slice()
			rm := c.Bool("rm")
			if rm != c.IsSet("config") {
				return usagef("run: --rm and --config FILE go together: nixlxc run --rm --config FILE -- CMD [ARGS...]")
			}
			var name string
			if !rm {
				if len(all) < 2 {
					return usagef("run needs NAME and a command: nixlxc run NAME -- CMD [ARGS...]")
				}
				name, all = all[0], all[1:]
			}
			argv := all
			if len(argv) > 0 && argv[0] == "--" {
				argv = argv[1:]
			}
			if len(argv) == 0 {
				return usagef("run needs a command after --")
			}
			if rm {
				return runThrowaway(c, argv)
			}
			m, err := manager(c)
			if err != nil {
				return err
			}
			// Nothing is left to do after the command: nixlxc may hand its
			// process over to it.
			return runIn(c.Context, m, name, argv, true)
		},
	}
}

// runIn runs argv in the container; its exit status is nixlxc's. With
// replace, nixlxc may become the attach (lxcapi.Stdio.Replace): only when
// nothing is left to do after the command.
func runIn(ctx context.Context, m *container.Manager, name string, argv []string, replace bool) error {
	status, err := m.Run(ctx, name, argv, container.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Replace: replace})
	if err != nil {
		return err
	}
	if status != 0 {
		return exitCode(status)
	}
	return nil
}

// runThrowaway creates an ephemeral container from --config under a name
// of its own, starts it, runs argv in it and destroys it, whatever the
// command's exit status, and on ^C, SIGTERM or SIGHUP: before the command
// runs they stop the create or start (which undo themselves), after they
// stop the command (SIGTERM, then SIGKILL) and the container goes. nixlxc's
// own messages go to stderr: stdout is the command's.
func runThrowaway(c *cli.Context, argv []string) error {
	stdout := c.App.Writer
	c.App.Writer = c.App.ErrWriter
	m, err := manager(c)
	c.App.Writer = stdout
	if err != nil {
		return err
	}
	name, err := throwawayName(m)
	if err != nil {
		return err
	}
	ctx, in := interruptible(c.Context)
	defer in.stop()
	interrupted := func(err error) error {
		if sig, ok := in.received(); ok {
			fmt.Fprintf(c.App.ErrWriter, "nixlxc: interrupted by %s: %s\n", unix.SignalName(sig), oneline.Clean(err.Error()))
			return exitCode(128 + int(sig))
		}
		return err
	}
	if err := m.Create(ctx, name, c.String("config"), container.CreateOptions{Ephemeral: true, Throwaway: true}); err != nil {
		return interrupted(err)
	}
	defer func() {
		if err := m.Destroy(context.Background(), name, true); err != nil {
			fmt.Fprintf(c.App.ErrWriter, "nixlxc: removing the throwaway container %s: %s\n", name, oneline.Clean(err.Error()))
		}
	}()
	if err := m.Start(ctx, name, container.StartOptions{Timeout: c.Duration("timeout")}); err != nil {
		return interrupted(err)
	}
	if _, ok := in.received(); ok {
		return interrupted(fmt.Errorf("starting %s: %w", name, context.Canceled))
	}
	// Not replaced: the container goes after the command.
	if err := runIn(ctx, m, name, argv, false); err != nil {
		return interrupted(err)
	}
	return nil
}

// throwawayName is a free container name: "rm-" and 8 random hex digits.
func throwawayName(m *container.Manager) (string, error) {
	for {
		b := make([]byte, 4)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		if name := "rm-" + hex.EncodeToString(b); !m.Exists(name) {
			return name, nil
		}
	}
}

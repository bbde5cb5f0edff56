package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/locations"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/urfave/cli/v2"
)

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:  "nixlxc",
		Usage: "unprivileged LXC containers with NixOS systems built by Nix",
		// help, version and their flags are nixlxc's own commands (help.go,
		// version.go): parseCommandLine turns -h, --help and --version into
		// them, and they render from the same definitions as the man page.
		HideHelp:    true,
		HideVersion: true,
		Writer:      stdout,
		ErrWriter:   stderr,
		// Errors are printed once, by run, on one line.
		ExitErrHandler: func(*cli.Context, error) {},
		Flags:          globalFlags(),
		Commands:       commands(),
		After:          closeManager,
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usagef("%v (see nixlxc help)", err)
		},
	}
}

// globalFlags name the installation and how much to say; each command
// takes them too, before or after its own.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{
			Name:    "state-dir",
			Usage:   "LXC path, rootfs, IPAM database and locks",
			EnvVars: []string{"NIXLXC_STATE_DIR"},
			Value:   container.DefaultStateDir,
		},
		&cli.StringFlag{
			Name:    "profile-dir",
			Usage:   "directory of the containers' Nix profiles",
			EnvVars: []string{"NIXLXC_PROFILE_DIR"},
			Value:   container.DefaultProfileDir,
		},
		&cli.StringFlag{
			Name:    "host-config",
			Usage:   "the host's network settings (JSON)",
			EnvVars: []string{"NIXLXC_HOST_CONFIG"},
			Value:   container.DefaultHostConfig,
		},
		&cli.StringFlag{
			Name:    "config",
			Usage:   "the installation's settings (JSON: stateDir, profileDir, hostConfig), below flags and variables",
			EnvVars: []string{"NIXLXC_CONFIG"},
			Value:   locations.DefaultFile,
		},
		&cli.BoolFlag{
			Name:    "verbose",
			Aliases: []string{"v"},
			Usage:   "print Nix's full output when a build fails",
		},
	}
}

// commandGroups order the commands in help and the man page.
func commandGroups() []commandGroup {
	return []commandGroup{
		{"Containers", []*cli.Command{
			createCommand(), applyCommand(), startCommand(), stopCommand(), restartCommand(), terminateCommand(),
			destroyCommand(), listCommand(), stateCommand(), infoCommand(), existsCommand(), showIPCommand(),
		}},
		{"Inside a container", []*cli.Command{runCommand(), loginCommand(), consoleCommand(), logsCommand()}},
		{"Generations", []*cli.Command{
			updateCommand(), rollbackCommand(), listGenerationsCommand(), switchGenerationCommand(), deleteGenerationsCommand(),
		}},
		{"The host", []*cli.Command{hostCommand(), autostartCommand(), shutdownAllCommand(), doctorCommand()}},
		{"This program", []*cli.Command{helpCommand(), versionCommand(), completionCommand()}},
	}
}

type commandGroup struct {
	name     string
	commands []*cli.Command
}

func commands() []*cli.Command {
	var cmds []*cli.Command
	for _, g := range commandGroups() {
		for _, c := range g.commands {
			c.Category = g.name
			cmds = append(cmds, c)
		}
	}
	var onUsageError func(cmds []*cli.Command)
	onUsageError = func(cmds []*cli.Command) {
		for _, c := range cmds {
			// nixlxc's own help command serves every command (help.go).
			c.HideHelp = true
			c.OnUsageError = func(c *cli.Context, err error, isSubcommand bool) error {
				return usagef("%s: %v (see nixlxc help %s)", c.Command.FullName(), err, c.Command.FullName())
			}
			onUsageError(c.Subcommands)
		}
	}
	onUsageError(cmds)
	return cmds
}

// nixArgsFlag is nixcloud-container's -n: arguments for every Nix command.
var nixArgsFlag = &cli.StringFlag{
	Name:    "nix-args",
	Aliases: []string{"n"},
	Usage:   `arguments passed to nix-build and nix-instantiate, e.g. -n "-I nixpkgs=/path"`,
}

// manager opens the installation the global flags name.
func manager(c *cli.Context) (*container.Manager, error) {
	// nixlxc manages the host's containers as root (its state, cgroups,
	// bridges and subordinate ids are root's): say so, before anything is
	// tried or made.
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%s needs root: run nixlxc as root (with sudo)", c.Command.FullName())
	}
	// Unset: nil (update reuses the last build's); -n "": none.
	var nixArgs []string
	if c.IsSet("nix-args") {
		var err error
		if nixArgs, err = nixsys.SplitArgs(c.String("nix-args")); err != nil {
			return nil, usagef("%v", err)
		}
		if nixArgs == nil {
			nixArgs = []string{}
		}
	}
	var trace io.Writer
	if t := os.Getenv("NIXLXC_TRACE"); t != "" && t != "0" && t != "false" {
		trace = c.App.ErrWriter
	}
	inst, err := locations.Load(globalString(c, "config"))
	if err != nil {
		return nil, err
	}
	// A flag or its variable, else the config file, else the default;
	// absolute, as config.json's must be (a relative one would be a new
	// installation in whatever directory nixlxc runs from).
	location := func(flag, fromFile string) string {
		if fromFile != "" && !c.IsSet(flag) {
			return fromFile
		}
		return c.String(flag)
	}
	for _, flag := range []string{"state-dir", "profile-dir", "host-config"} {
		if p := c.String(flag); c.IsSet(flag) && !filepath.IsAbs(p) {
			return nil, usagef("--%s %q: give an absolute path", flag, p)
		}
	}
	m, err := container.New(container.Options{
		StateDir:   location("state-dir", inst.StateDir),
		ProfileDir: location("profile-dir", inst.ProfileDir),
		HostConfig: location("host-config", inst.HostConfig),
		NixArgs:    nixArgs,
		Events:     printEvents(c.App.Writer, c.Bool("print-build-logs")),
		Trace:      trace,
	})
	if err != nil {
		return nil, err
	}
	if c.App.Metadata == nil {
		c.App.Metadata = map[string]any{}
	}
	c.App.Metadata["manager"] = m
	return m, nil
}

// globalString is a global flag's value, also where the command has a
// flag of that name (run's --config): the outermost context's that has it.
func globalString(c *cli.Context, name string) string {
	lineage := c.Lineage()
	for i := len(lineage) - 1; i >= 0; i-- {
		if v := lineage[i].String(name); v != "" {
			return v
		}
	}
	return ""
}

// closeManager releases what the command's manager opened.
func closeManager(c *cli.Context) error {
	if m, ok := c.App.Metadata["manager"].(*container.Manager); ok {
		return m.Close()
	}
	return nil
}

// withManager is the shape of most commands: check the positional
// arguments, open the installation, do the work.
func withManager(names []string, fn func(c *cli.Context, m *container.Manager, args []string) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		a, err := args(c, names...)
		if err != nil {
			return err
		}
		m, err := manager(c)
		if err != nil {
			return err
		}
		return fn(c, m, a)
	}
}

// args checks the number of positional arguments and returns them.
func args(c *cli.Context, names ...string) ([]string, error) {
	// parseCommandLine has refused unknown options and missing values.
	got := c.Args().Slice()
	switch {
	case len(got) == len(names):
		return got, nil
	case len(names) == 0:
		return nil, usagef("%s takes no arguments, got %q (see nixlxc help %s)", c.Command.FullName(), got[0], c.Command.FullName())
	}
	return nil, usagef("%s needs %s, got %d argument(s) (see nixlxc help %s)",
		c.Command.FullName(), strings.Join(names, " and "), len(got), c.Command.FullName())
}

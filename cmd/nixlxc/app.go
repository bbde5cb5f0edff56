package main

import (
	"io"
	"os"
	"strings"

	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/locations"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func init() {
	// -v is --verbose here; --version keeps only its long name.
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version"}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:      "nixlxc",
		Usage:     "unprivileged LXC containers with NixOS systems built by Nix",
		Version:   version,
		Writer:    stdout,
		ErrWriter: stderr,
		// Errors are printed once, by run, on one line.
		ExitErrHandler:  func(*cli.Context, error) {},
		HideHelpCommand: false,
		Flags: []cli.Flag{
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
		},
		Commands: commands(),
		After:    closeManager,
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usagef("%v (see nixlxc --help)", err)
		},
	}
}

func commands() []*cli.Command {
	cmds := []*cli.Command{
		createCommand(),
		updateCommand(),
		rollbackCommand(),
		listGenerationsCommand(),
		switchGenerationCommand(),
		deleteGenerationsCommand(),
		startCommand(),
		stopCommand(),
		terminateCommand(),
		runCommand(),
		loginCommand(),
		stateCommand(),
		existsCommand(),
		listCommand(),
		destroyCommand(),
		showIPCommand(),
		autostartCommand(),
		shutdownAllCommand(),
		hostCommand(),
		doctorCommand(),
	}
	for _, c := range cmds {
		c.OnUsageError = func(c *cli.Context, err error, isSubcommand bool) error {
			return usagef("%s: %v (see nixlxc %s --help)", c.Command.Name, err, c.Command.Name)
		}
	}
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
	inst, err := locations.Load(c.String("config"))
	if err != nil {
		return nil, err
	}
	// A flag or its variable, else the config file, else the default.
	location := func(flag, fromFile string) string {
		if fromFile != "" && !c.IsSet(flag) {
			return fromFile
		}
		return c.String(flag)
	}
	m, err := container.New(container.Options{
		StateDir:   location("state-dir", inst.StateDir),
		ProfileDir: location("profile-dir", inst.ProfileDir),
		HostConfig: location("host-config", inst.HostConfig),
		NixArgs:    nixArgs,
		Events:     printEvents(c.App.Writer),
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
	got := c.Args().Slice()
	for _, a := range got {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			if isFlag(c.Command.Flags, a) {
				return nil, usagef("%s: %s needs a value (see nixlxc %s --help)", c.Command.Name, a, c.Command.Name)
			}
			return nil, usagef("%s: unknown flag %s (see nixlxc %s --help)", c.Command.Name, a, c.Command.Name)
		}
	}
	switch {
	case len(got) == len(names):
		return got, nil
	case len(names) == 0:
		return nil, usagef("%s takes no arguments, got %q (see nixlxc %s --help)", c.Command.Name, got[0], c.Command.Name)
	}
	return nil, usagef("%s needs %s, got %d argument(s) (see nixlxc %s --help)",
		c.Command.Name, strings.Join(names, " and "), len(got), c.Command.Name)
}

// checkCommand refuses an unknown command with a usage error (urfave/cli
// would print a help-topic message and exit 1).
func checkCommand(app *cli.App, argv []string) error {
	i := commandIndex(app, argv)
	if i < 0 || i >= len(argv) {
		return nil
	}
	cmd := app.Command(argv[i])
	if cmd == nil {
		return usagef("unknown command %q (see nixlxc --help)", argv[i])
	}
	if len(cmd.Subcommands) > 0 && i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "-") && argv[i+1] != "help" && cmd.Command(argv[i+1]) == nil {
		return usagef("unknown command %q %q (see nixlxc %s --help)", argv[i], argv[i+1], argv[i])
	}
	return nil
}

// commandIndex is the position of the command in argv, after global flags.
func commandIndex(app *cli.App, argv []string) int {
	i := 1
	for i < len(argv) && strings.HasPrefix(argv[i], "-") && argv[i] != "--" {
		if takesValue(app.Flags, argv[i]) && !strings.Contains(argv[i], "=") {
			i++
		}
		i++
	}
	return i
}

// reorderArgs lets flags follow positional arguments, as nixcloud-container
// accepted (`create web web.nix -n "-I nixpkgs=/x"`): urfave/cli stops at
// the first positional argument. Everything after "--" stays in place.
func reorderArgs(app *cli.App, argv []string) []string {
	if len(argv) < 2 {
		return argv
	}
	i := commandIndex(app, argv)
	if i >= len(argv) {
		return argv
	}
	cmd := app.Command(argv[i])
	if cmd == nil {
		return argv
	}
	var globals, flags, positional []string
	rest := argv[i+1:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		if a == "--" {
			positional = append(positional, rest[j:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			// The command's own flags first, then nixlxc's global ones
			// (--state-dir, -v) wherever they were written.
			into, known := &flags, cmd.Flags
			if !isFlag(cmd.Flags, a) && isFlag(app.Flags, a) {
				into, known = &globals, app.Flags
			}
			if isFlag(known, a) {
				*into = append(*into, a)
				if takesValue(known, a) && !strings.Contains(a, "=") {
					if j+1 == len(rest) {
						// No value: left where args() names the mistake.
						positional = append(positional, a)
						continue
					}
					j++
					*into = append(*into, rest[j])
				}
				continue
			}
		}
		positional = append(positional, a)
	}
	out := append([]string{}, argv[:i]...)
	out = append(append(out, globals...), argv[i])
	return append(append(out, flags...), positional...)
}

func flagName(arg string) string {
	name := strings.TrimLeft(arg, "-")
	name, _, _ = strings.Cut(name, "=")
	return name
}

func isFlag(flags []cli.Flag, arg string) bool {
	name := flagName(arg)
	if name == "h" || name == "help" {
		return true
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

func takesValue(flags []cli.Flag, arg string) bool {
	name := flagName(arg)
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}

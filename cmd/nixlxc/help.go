package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

func helpCommand() *cli.Command {
	return &cli.Command{
		Name:        "help",
		Usage:       "show the commands, or a command's options and an example",
		ArgsUsage:   "[COMMAND [SUBCOMMAND]]",
		Description: "Example: nixlxc help start",
		Flags: []cli.Flag{
			// The man page, for make: rendered from the definitions help
			// shows, so the two never disagree.
			&cli.BoolFlag{Name: "man", Usage: "print the man page (roff)", Hidden: true},
		},
		Action: func(c *cli.Context) error {
			// Rendered from fresh definitions: urfave/cli writes what it
			// read from the variables into the running app's flags, and a
			// default is not what NIXLXC_STATE_DIR happens to hold.
			app := newApp(c.App.Writer, c.App.ErrWriter)
			w := app.Writer
			if c.Bool("man") {
				return writeManPage(w, app)
			}
			path, err := resolvePath(app, c.Args().Slice())
			if err != nil {
				return err
			}
			if len(path) == 0 {
				return writeAppHelp(w, app)
			}
			return writeCommandHelp(w, path)
		},
	}
}

// resolvePath finds the command help names: "host setup" is [host setup].
func resolvePath(app *cli.App, words []string) ([]*cli.Command, error) {
	var path []*cli.Command
	for _, w := range words {
		var c *cli.Command
		if len(path) == 0 {
			c = app.Command(w)
		} else {
			c = path[len(path)-1].Command(w)
		}
		if c == nil || c.Hidden {
			if len(path) > 0 {
				return nil, usagef("help: %s has no command %q (see nixlxc help %s)", path[0].Name, w, path[0].Name)
			}
			return nil, usagef("help: unknown command %q%s (see nixlxc help)", w, suggest(app, w))
		}
		path = append(path, c)
	}
	return path, nil
}

// helpWidth is the width help text is wrapped to.
const helpWidth = 80

func writeAppHelp(w io.Writer, app *cli.App) error {
	fmt.Fprintf(w, "nixlxc - %s\n\n", app.Usage)
	fmt.Fprintf(w, "Usage: nixlxc [global options] COMMAND [options] [arguments]\n")
	for _, g := range groupsOf(app) {
		fmt.Fprintf(w, "\n%s:\n", g.name)
		var rows [][2]string
		for _, c := range g.commands {
			rows = append(rows, [2]string{commandSynopsis(c), c.Usage})
		}
		writeRows(w, rows)
	}
	fmt.Fprintf(w, "\nGlobal options (before or after the command):\n")
	writeRows(w, flagRows(app.Flags))
	fmt.Fprintf(w, "\nRun \"nixlxc help COMMAND\" for a command's options and an example; \"man nixlxc\" has it all.\n")
	return nil
}

func writeCommandHelp(w io.Writer, path []*cli.Command) error {
	c := path[len(path)-1]
	name := commandPathName(path)
	fmt.Fprintf(w, "nixlxc %s - %s\n\n", name, c.Usage)
	fmt.Fprintf(w, "Usage: %s\n", usageLine(path))
	if len(c.Aliases) > 0 {
		fmt.Fprintf(w, "Alias: %s\n", strings.Join(c.Aliases, ", "))
	}
	if len(c.Subcommands) > 0 {
		fmt.Fprintf(w, "\nCommands:\n")
		var rows [][2]string
		for _, s := range c.Subcommands {
			if !s.Hidden {
				rows = append(rows, [2]string{commandSynopsis(s), s.Usage})
			}
		}
		writeRows(w, rows)
	}
	if rows := flagRows(c.Flags); len(rows) > 0 {
		fmt.Fprintf(w, "\nOptions:\n")
		writeRows(w, rows)
	}
	if c.Description != "" {
		fmt.Fprintf(w, "\n%s\n", wrap(c.Description, helpWidth, ""))
	}
	fmt.Fprintf(w, "\nGlobal options (--state-dir, --verbose, ...): see \"nixlxc help\".\n")
	return nil
}

// groupsOf returns the app's visible commands by category, in the order
// commandGroups gives.
func groupsOf(app *cli.App) []commandGroup {
	var groups []commandGroup
	index := map[string]int{}
	for _, c := range app.Commands {
		if c.Hidden {
			continue
		}
		i, ok := index[c.Category]
		if !ok {
			i = len(groups)
			index[c.Category] = i
			groups = append(groups, commandGroup{name: c.Category})
		}
		groups[i].commands = append(groups[i].commands, c)
	}
	return groups
}

func commandPathName(path []*cli.Command) string {
	var names []string
	for _, c := range path {
		names = append(names, c.Name)
	}
	return strings.Join(names, " ")
}

// commandSynopsis is a command's name and arguments, for the lists of
// commands.
func commandSynopsis(c *cli.Command) string {
	s := c.Name
	if len(c.Aliases) > 0 {
		s += ", " + strings.Join(c.Aliases, ", ")
	}
	if len(c.Subcommands) > 0 {
		return s + " " + strings.Join(subcommandNames(c), "|")
	}
	if c.ArgsUsage != "" {
		s += " " + c.ArgsUsage
	}
	return s
}

// usageLine is how to call the command at the end of path.
func usageLine(path []*cli.Command) string {
	c := path[len(path)-1]
	parts := []string{"nixlxc", commandPathName(path)}
	if len(c.Subcommands) > 0 {
		parts = append(parts, strings.Join(subcommandNames(c), "|"))
	}
	if len(visibleFlags(c.Flags)) > 0 {
		parts = append(parts, "[options]")
	}
	if c.ArgsUsage != "" {
		parts = append(parts, c.ArgsUsage)
	}
	return strings.Join(parts, " ")
}

func visibleFlags(flags []cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, f := range flags {
		if v, ok := f.(cli.VisibleFlag); !ok || v.IsVisible() {
			out = append(out, f)
		}
	}
	return out
}

// flagSynopsis is "-n, --nix-args ARGS": short names first, then the
// value's placeholder.
func flagSynopsis(f cli.Flag) string {
	var short, long []string
	for _, n := range f.Names() {
		if len(n) == 1 {
			short = append(short, "-"+n)
		} else {
			long = append(long, "--"+n)
		}
	}
	s := strings.Join(append(short, long...), ", ")
	if takesValue(f) {
		s += " " + placeholder(f)
	}
	return s
}

// flagDescription is the flag's usage, its default and its variable.
func flagDescription(f cli.Flag) string {
	d := flagUsage(f)
	var extra []string
	if def := flagDefault(f); def != "" {
		extra = append(extra, "default "+def)
	}
	if e, ok := f.(interface{ GetEnvVars() []string }); ok {
		for _, v := range e.GetEnvVars() {
			extra = append(extra, "$"+v)
		}
	}
	if len(extra) > 0 {
		d += " (" + strings.Join(extra, ", ") + ")"
	}
	return d
}

func flagUsage(f cli.Flag) string {
	if u, ok := f.(interface{ GetUsage() string }); ok {
		return u.GetUsage()
	}
	return ""
}

func flagDefault(f cli.Flag) string {
	switch f := f.(type) {
	case *cli.DurationFlag:
		if f.Value != 0 {
			return formatDuration(f.Value)
		}
	case *cli.IntFlag:
		if f.Value != 0 {
			return strconv.Itoa(f.Value)
		}
	case *cli.StringFlag:
		return f.Value
	}
	return ""
}

// formatDuration writes a default as a user would type it: 60s, 15m.
func formatDuration(d time.Duration) string {
	if d%time.Second == 0 && d < 10*time.Minute {
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
	s := d.String() // 1h30m0s
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// placeholders name what a string flag's value is; other flags' come from
// their type.
var placeholders = map[string]string{
	"state-dir":   "DIR",
	"profile-dir": "DIR",
	"host-config": "FILE",
	"config":      "FILE",
	"nix-args":    "ARGS",
	"format":      "FORMAT",
	"columns":     "COLUMNS",
}

func placeholder(f cli.Flag) string {
	switch f.(type) {
	case *cli.DurationFlag:
		return "DURATION"
	case *cli.IntFlag:
		return "N"
	}
	if p, ok := placeholders[f.Names()[0]]; ok {
		return p
	}
	return "VALUE"
}

func flagRows(flags []cli.Flag) [][2]string {
	var rows [][2]string
	for _, f := range visibleFlags(flags) {
		rows = append(rows, [2]string{flagSynopsis(f), flagDescription(f)})
	}
	return rows
}

// writeRows prints two columns, the second wrapped; a first column too
// wide for the layout puts its text on the next line.
func writeRows(w io.Writer, rows [][2]string) {
	const maxLeft = 30
	left := 0
	for _, r := range rows {
		if n := len(r[0]); n <= maxLeft && n > left {
			left = n
		}
	}
	indent := strings.Repeat(" ", 2+left+2)
	for _, r := range rows {
		if len(r[0]) > left {
			fmt.Fprintf(w, "  %s\n%s\n", r[0], wrap(r[1], helpWidth, indent))
			continue
		}
		text := wrap(r[1], helpWidth, indent)
		fmt.Fprintf(w, "  %-*s  %s\n", left, r[0], strings.TrimPrefix(text, indent))
	}
}

// wrap breaks text into lines of at most width (words longer than that
// stay whole), each starting with indent.
func wrap(text string, width int, indent string) string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := indent
		for _, word := range strings.Fields(para) {
			if line != indent && len(line)+1+len(word) > width {
				lines = append(lines, line)
				line = indent
			}
			if line != indent {
				line += " "
			}
			line += word
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

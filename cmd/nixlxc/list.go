package main

import (
	"os"
	"strings"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:        "list",
		Usage:       "list containers: name, state, addresses, generation, autostart (the table prints nothing when there are none)",
		Description: "Example: nixlxc list -c name,state,nat --format csv",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table, json, csv or yaml"},
			&cli.StringFlag{Name: "columns", Aliases: []string{"c"}, Value: defaultColumns,
				Usage: "the columns of table and csv, separated by commas: " + strings.Join(columnKeys(), ",")},
			&cli.BoolFlag{Name: "no-header", Usage: "no header row in table and csv"},
			&cli.BoolFlag{Name: "json", Usage: "the same as --format json"},
		},
		Action: withManager(nil, func(c *cli.Context, m *container.Manager, _ []string) error {
			out, err := listOutputOf(c)
			if err != nil {
				return err
			}
			// A partial listing (no addresses) comes with an error: print
			// what is known, then fail.
			infos, listErr := m.List(c.Context)
			if infos == nil && listErr != nil {
				return listErr
			}
			rows := make([]containerJSON, len(infos))
			for i, info := range infos {
				rows[i] = containerOf(info)
			}
			if err := writeList(c.App.Writer, rows, out); err != nil {
				return err
			}
			return listErr
		}),
	}
}

// listOutputOf reads list's flags. The table's header shows at a terminal
// and wherever --format is given; a script that runs plain `nixlxc list`
// gets the rows alone, as before the header existed.
func listOutputOf(c *cli.Context) (listOutput, error) {
	o := listOutput{format: c.String("format")}
	if c.Bool("json") {
		if c.IsSet("format") && o.format != "json" {
			return o, usagef("list: --json and --format %s disagree", o.format)
		}
		o.format = "json"
	}
	known := false
	for _, f := range listFormats {
		known = known || f == o.format
	}
	if !known {
		return o, usagef("list: unknown format %q (formats: %s)", o.format, strings.Join(listFormats, ", "))
	}
	if c.IsSet("columns") && (o.format == "json" || o.format == "yaml") {
		return o, usagef("list: --columns selects table and csv columns; %s has every field", o.format)
	}
	cols, err := parseColumns(c.String("columns"))
	if err != nil {
		return o, err
	}
	o.columns = cols
	switch o.format {
	case "csv":
		o.header = !c.Bool("no-header")
	case "table":
		o.header = !c.Bool("no-header") && (c.IsSet("format") || isTerminal(c.App.Writer))
	}
	return o, nil
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

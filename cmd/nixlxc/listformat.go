package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// column is one column of list's table and CSV output; its key is the
// field of the same name in list's JSON.
type column struct {
	key  string
	cell func(c containerJSON) string // "" when it does not apply
}

var listColumns = []column{
	{"name", func(c containerJSON) string { return c.Name }},
	{"state", func(c containerJSON) string { return c.State }},
	{"ipv4", func(c containerJSON) string { return c.IPv4 }},
	{"nat", func(c containerJSON) string { return c.NAT }},
	{"ipv6", func(c containerJSON) string { return c.IPv6 }},
	{"generation", func(c containerJSON) string {
		if c.Generation == 0 {
			return ""
		}
		return strconv.Itoa(c.Generation)
	}},
	{"autostart", func(c containerJSON) string {
		if c.Autostart.Enable {
			return "yes"
		}
		return "no"
	}},
	{"order", func(c containerJSON) string {
		if !c.Autostart.Enable {
			return ""
		}
		return strconv.Itoa(c.Autostart.Order)
	}},
	{"system", func(c containerJSON) string { return c.System }},
	{"idmapBase", func(c containerJSON) string { return strconv.FormatUint(uint64(c.IDMapBase), 10) }},
}

// defaultColumns keep the first three of list's old rows (name, state,
// address) where scripts read them.
const defaultColumns = "name,state,ipv4,nat,ipv6,generation,autostart"

var listFormats = []string{"table", "json", "csv", "yaml"}

func columnKeys() []string {
	var keys []string
	for _, c := range listColumns {
		keys = append(keys, c.key)
	}
	return keys
}

// parseColumns reads -c: keys separated by commas.
func parseColumns(s string) ([]column, error) {
	var cols []column
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		found := false
		for _, c := range listColumns {
			if strings.EqualFold(c.key, k) {
				cols = append(cols, c)
				found = true
				break
			}
		}
		if !found {
			return nil, usagef("list: unknown column %q (columns: %s)", k, strings.Join(columnKeys(), ","))
		}
	}
	return cols, nil
}

// listOutput is how list prints its rows.
type listOutput struct {
	format  string // one of listFormats
	columns []column
	header  bool // table and csv
}

// writeList prints rows. The table prints nothing at all for no rows
// (scripts test for that), CSV its header, JSON and YAML an empty array.
func writeList(w io.Writer, rows []containerJSON, o listOutput) error {
	switch o.format {
	case "json":
		if rows == nil {
			rows = []containerJSON{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "yaml":
		if rows == nil {
			rows = []containerJSON{}
		}
		return writeYAML(w, rows)
	case "csv":
		cw := csv.NewWriter(w)
		if o.header {
			var keys []string
			for _, c := range o.columns {
				keys = append(keys, c.key)
			}
			cw.Write(keys)
		}
		for _, r := range rows {
			var cells []string
			for _, c := range o.columns {
				cells = append(cells, c.cell(r))
			}
			cw.Write(cells)
		}
		cw.Flush()
		return cw.Error()
	case "table":
		if len(rows) == 0 {
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		if o.header {
			var keys []string
			for _, c := range o.columns {
				keys = append(keys, strings.ToUpper(c.key))
			}
			fmt.Fprintln(tw, strings.Join(keys, "\t"))
		}
		for _, r := range rows {
			var cells []string
			for _, c := range o.columns {
				// Every cell holds a word, so `awk '{print $3}'` finds the
				// third column in every row.
				cell := c.cell(r)
				if cell == "" {
					cell = "-"
				}
				cells = append(cells, cell)
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		return tw.Flush()
	}
	return usagef("list: unknown format %q (formats: %s)", o.format, strings.Join(listFormats, ", "))
}

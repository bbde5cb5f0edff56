package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

func infoCommand() *cli.Command {
	return &cli.Command{
		Name:        "info",
		Aliases:     []string{"status"}, // nixos-container's name
		Description: "Example: nixlxc info web --json",
		Usage:       "show a container: state, PID, uptime, generation, addresses, resource use and limits, autostart, ids, source",
		ArgsUsage:   "NAME",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print a JSON object (the field names of list --json and show-ip --json)"},
		},
		Action: withManager([]string{"NAME"}, func(c *cli.Context, m *container.Manager, a []string) error {
			d, err := m.Describe(c.Context, a[0])
			if d.Name == "" {
				return err
			}
			// A partial description (no addresses) comes with an error:
			// print what is known, then fail.
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				if werr := enc.Encode(infoOf(d, time.Now())); werr != nil {
					return werr
				}
				return err
			}
			if werr := writeInfo(c.App.Writer, d, time.Now()); werr != nil {
				return werr
			}
			return err
		}),
	}
}

// infoJSON is info --json: list's object for the container (output.go:
// the same names and address forms as list and show-ip) and what only info
// knows. A field that does not apply is left out.
type infoJSON struct {
	containerJSON
	PID           int              `json:"pid,omitempty"`
	Started       *time.Time       `json:"started,omitempty"`
	UptimeSeconds *int64           `json:"uptimeSeconds,omitempty"`
	Created       time.Time        `json:"created"`
	IDMapCount    int              `json:"idmapCount"`
	SharedIDMap   bool             `json:"sharedIdmap,omitempty"`
	Source        container.Source `json:"source"`
	Resources     *resourcesJSON   `json:"resources,omitempty"`
}

// resourcesJSON are the container's cgroups' numbers; a limit that is not
// set is left out.
type resourcesJSON struct {
	MemoryBytes      uint64  `json:"memoryBytes"`
	MemoryLimitBytes uint64  `json:"memoryLimitBytes,omitempty"`
	CPUSeconds       float64 `json:"cpuSeconds"`
	CPULimit         float64 `json:"cpuLimit,omitempty"`
	Pids             uint64  `json:"pids"`
	PidsLimit        uint64  `json:"pidsLimit,omitempty"`
}

func infoOf(d container.Details, now time.Time) infoJSON {
	j := infoJSON{
		containerJSON: containerOf(container.Info{
			Name: d.Name, State: d.State, Generation: d.Generation, System: d.System,
			Autostart: d.Autostart, IDMapBase: d.IDMapBase, Interfaces: d.Interfaces,
		}),
		PID: d.PID, Created: d.Created,
		IDMapCount: d.IDCount, SharedIDMap: d.SharedIDMap,
		Source: d.Source,
	}
	if !d.Started.IsZero() {
		started := d.Started.UTC()
		j.Started = &started
		up := int64(now.Sub(d.Started) / time.Second)
		j.UptimeSeconds = &up
	}
	if u := d.Usage; u != nil {
		j.Resources = &resourcesJSON{
			MemoryBytes: u.Memory, MemoryLimitBytes: u.MemoryLimit,
			CPUSeconds: u.CPUTime.Seconds(), CPULimit: u.CPULimit,
			Pids: u.Pids, PidsLimit: u.PidsLimit,
		}
	}
	return j
}

// writeInfo prints the details as "Key: value" lines.
func writeInfo(w io.Writer, d container.Details, now time.Time) error {
	j := infoOf(d, now)
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	row := func(k, format string, args ...any) {
		fmt.Fprintf(tw, "%s:\t"+format+"\n", append([]any{k}, args...)...)
	}
	row("Name", "%s", j.Name)
	row("State", "%s", j.State)
	if j.PID != 0 {
		row("PID", "%d", j.PID)
	}
	if j.Started != nil {
		row("Uptime", "%s (since %s)", elapsed(time.Duration(*j.UptimeSeconds)*time.Second), j.Started.Local().Format("2006-01-02 15:04:05"))
	}
	row("Generation", "%d", j.Generation)
	if j.System != "" {
		row("System", "%s", j.System)
	}
	row("Source", "%s", describeSource(j.Source))
	row("Created", "%s", j.Created.Local().Format("2006-01-02 15:04:05"))
	for _, ifc := range []struct {
		name string
		i    *interfaceJSON
	}{{"hostonly", j.Interfaces.Hostonly}, {"internet", j.Interfaces.Internet}} {
		if ifc.i == nil {
			continue
		}
		var addrs []string
		if ifc.i.IPv4 != "" {
			addrs = append(addrs, fmt.Sprintf("%s/%d", ifc.i.IPv4, ifc.i.IPv4PrefixLength))
		}
		if ifc.i.IPv6 != "" {
			addrs = append(addrs, fmt.Sprintf("%s/%d", ifc.i.IPv6, ifc.i.IPv6PrefixLength))
		}
		line := fmt.Sprintf("%s on %s (host veth %s, MAC %s)", strings.Join(addrs, ", "), ifc.i.Bridge, ifc.i.HostVeth, ifc.i.MAC)
		if ifc.i.Gateway4 != "" {
			line += ", gateway " + ifc.i.Gateway4
		}
		row("Interface "+ifc.name, "%s", line)
	}
	auto := "no"
	if j.Autostart.Enable {
		auto = fmt.Sprintf("yes, order %d", j.Autostart.Order)
		if j.Autostart.Delay > 0 {
			auto += fmt.Sprintf(", then %ds before the next order", j.Autostart.Delay)
		}
	}
	row("Autostart", "%s", auto)
	ids := fmt.Sprintf("%d-%d", j.IDMapBase, uint64(j.IDMapBase)+uint64(j.IDMapCount)-1)
	if j.SharedIDMap {
		ids += " (shared, as nixcloud-container mapped every container)"
	}
	row("Host ids", "%s", ids)
	if r := j.Resources; r != nil {
		row("Memory", "%s", withLimit(mib(r.MemoryBytes)+" used", r.MemoryLimitBytes != 0, mib(r.MemoryLimitBytes)))
		row("CPU", "%s", withLimit(fmt.Sprintf("%.1f s used", r.CPUSeconds), r.CPULimit != 0, fmt.Sprintf("%g CPUs", r.CPULimit)))
		row("Processes", "%s", withLimit(fmt.Sprint(r.Pids), r.PidsLimit != 0, fmt.Sprint(r.PidsLimit)))
	}
	return tw.Flush()
}

func describeSource(s container.Source) string {
	out := s.String()
	if len(s.NixArgs) > 0 {
		out += fmt.Sprintf(" (Nix arguments %q)", s.NixArgs)
	}
	return out
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func withLimit(use string, limited bool, limit string) string {
	if !limited {
		return use + ", no limit"
	}
	return use + ", limit " + limit
}

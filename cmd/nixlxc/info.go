package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nixlxc/nixlxc/container"
	"github.com/urfave/cli/v2"
)

// infoCommand is info. nixos-container's `status` is to be its alias (the
// CLI work of issue 15 adds the aliases); its JSON is to share list's and
// show-ip's types once those land (cmd/nixlxc/output.go on that branch):
// the field names here are already theirs.
func infoCommand() *cli.Command {
	return &cli.Command{
		Name:      "info",
		Usage:     "show a container: state, PID, uptime, generation, addresses, resource use and limits, autostart, ids, source",
		ArgsUsage: "NAME",
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

// infoJSON is info --json. Its names and address forms are list's and
// show-ip's: an interface named as inside (hostonly, internet), plain
// addresses with their prefix lengths beside them, ipv4 the hostonly
// IPv4, nat the internet interface's IPv4, ipv6 its IPv6; a field that
// does not apply is left out.
type infoJSON struct {
	Name          string             `json:"name"`
	State         string             `json:"state"`
	PID           int                `json:"pid,omitempty"`
	Started       *time.Time         `json:"started,omitempty"`
	UptimeSeconds *int64             `json:"uptimeSeconds,omitempty"`
	Created       time.Time          `json:"created"`
	Generation    int                `json:"generation"`
	System        string             `json:"system,omitempty"`
	IPv4          string             `json:"ipv4,omitempty"`
	NAT           string             `json:"nat,omitempty"`
	IPv6          string             `json:"ipv6,omitempty"`
	Interfaces    infoInterfacesJSON `json:"interfaces"`
	Autostart     infoAutostartJSON  `json:"autostart"`
	IDMapBase     uint32             `json:"idmapBase"`
	IDMapCount    int                `json:"idmapCount"`
	SharedIDMap   bool               `json:"sharedIdmap,omitempty"`
	Source        container.Source   `json:"source"`
	Resources     *resourcesJSON     `json:"resources,omitempty"`
}

type infoInterfacesJSON struct {
	Hostonly *infoInterfaceJSON `json:"hostonly,omitempty"`
	Internet *infoInterfaceJSON `json:"internet,omitempty"`
}

type infoInterfaceJSON struct {
	Bridge           string `json:"bridge"`
	HostVeth         string `json:"hostVeth"`
	MAC              string `json:"mac"`
	IPv4             string `json:"ipv4,omitempty"`
	IPv4PrefixLength int    `json:"ipv4PrefixLength,omitempty"`
	Gateway4         string `json:"gateway4,omitempty"`
	IPv6             string `json:"ipv6,omitempty"`
	IPv6PrefixLength int    `json:"ipv6PrefixLength,omitempty"`
	Gateway6         string `json:"gateway6,omitempty"`
}

type infoAutostartJSON struct {
	Enable bool `json:"enable"`
	Order  int  `json:"order,omitempty"`
	Delay  int  `json:"delay,omitempty"`
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
		Name: d.Name, State: d.State, PID: d.PID, Created: d.Created,
		Generation: d.Generation, System: d.System,
		Interfaces: infoInterfacesJSON{Hostonly: infoInterfaceOf(d.Interfaces.Hostonly), Internet: infoInterfaceOf(d.Interfaces.Internet)},
		Autostart:  infoAutostartJSON{Enable: d.Autostart.Enable, Order: d.Autostart.Order, Delay: d.Autostart.Delay},
		IDMapBase:  d.IDMapBase, IDMapCount: d.IDCount, SharedIDMap: d.SharedIDMap,
		Source: d.Source,
	}
	if !d.Started.IsZero() {
		started := d.Started.UTC()
		j.Started = &started
		up := int64(now.Sub(d.Started) / time.Second)
		j.UptimeSeconds = &up
	}
	if h := j.Interfaces.Hostonly; h != nil {
		j.IPv4 = h.IPv4
	}
	if n := j.Interfaces.Internet; n != nil {
		j.NAT, j.IPv6 = n.IPv4, n.IPv6
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

func infoInterfaceOf(i *container.Interface) *infoInterfaceJSON {
	if i == nil {
		return nil
	}
	out := &infoInterfaceJSON{Bridge: i.Bridge, HostVeth: i.HostVeth, MAC: i.MAC, Gateway4: i.Gateway4, Gateway6: i.Gateway6}
	out.IPv4, out.IPv4PrefixLength = addressAndLength(i.IPv4)
	out.IPv6, out.IPv6PrefixLength = addressAndLength(i.IPv6)
	return out
}

// addressAndLength takes "10.101.0.2/16" apart.
func addressAndLength(s string) (string, int) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Addr().String(), p.Bits()
	}
	return s, 0
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
		i    *infoInterfaceJSON
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

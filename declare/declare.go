// Package declare plans nixlxc apply: from the containers a declaration
// asks for and those the host has, what to create, update, restart, start,
// destroy or keep, each with its reason, like `terraform plan`. It is pure:
// it reads nothing and changes nothing; package container gathers what it
// compares and carries the plan out.
package declare

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/nixlxc/nixlxc/spec"
)

// Desired is a declared container.
type Desired struct {
	Name             string
	Settings         spec.Settings
	RestartIfChanged bool
	// System is the store path its declaration evaluates to now, or ""
	// when it was not evaluated (a new container, a network change, a
	// configuration that does not evaluate: the build says why).
	System string
	// Err is what is wrong with its declaration: it is held as it is.
	Err string
}

// Current is a container the host has.
type Current struct {
	Name     string
	Declared bool // apply made it, or took it over
	Running  bool
	// System is its profile's current system; Active the one running in
	// it (when it runs).
	System, Active string
	Settings       spec.Settings // its current generation's
}

// Action is what a step does.
type Action string

const (
	Create  Action = "create"
	Update  Action = "update"  // build the new generation; a running container switches in place
	Restart Action = "restart" // stop, update, start: what changed applies only at a start
	Start   Action = "start"
	Destroy Action = "destroy"
	Keep    Action = "keep"
	// Hold changes nothing and fails: the change needs a restart that
	// restartIfChanged = false forbids.
	Hold Action = "hold"
)

// Step is one container's part of a plan.
type Step struct {
	Name   string
	Action Action
	Reason string
	// StartAfter starts it once created or updated (autoStart, stopped).
	StartAfter bool
	// Adopt marks a container made by hand as declared from now on.
	Adopt bool
}

// Options change how a plan is made.
type Options struct {
	// PruneAll destroys every container the declaration does not list,
	// not only those apply made.
	PruneAll bool
}

// Plan compares the declaration with the host: destroys first (they free
// addresses and ports the others may take), then every other container by
// name. Containers the declaration does not list and apply did not make
// are left out (left alone), unless PruneAll.
func Plan(desired []Desired, current []Current, o Options) []Step {
	have := map[string]Current{}
	for _, c := range current {
		have[c.Name] = c
	}
	want := map[string]bool{}
	var destroys, rest []Step
	for _, d := range desired {
		want[d.Name] = true
		c, ok := have[d.Name]
		if d.Err != "" {
			rest = append(rest, Step{Name: d.Name, Action: Hold, Reason: d.Err})
			continue
		}
		if !ok {
			rest = append(rest, Step{Name: d.Name, Action: Create, Reason: "not on the host", StartAfter: d.Settings.Autostart.Enable})
			continue
		}
		s := change(d, c)
		s.Adopt = !c.Declared
		if s.Adopt {
			s.Reason += "; made by hand, declared from now on"
		}
		rest = append(rest, s)
	}
	for _, c := range current {
		if want[c.Name] {
			continue
		}
		switch {
		case c.Declared:
			destroys = append(destroys, Step{Name: c.Name, Action: Destroy, Reason: "no longer declared"})
		case o.PruneAll:
			destroys = append(destroys, Step{Name: c.Name, Action: Destroy, Reason: "not declared (--prune-all)"})
		}
	}
	shared := sharedPorts(desired, have)
	for i, s := range rest {
		if why, ok := shared[s.Name]; ok {
			rest[i] = Step{Name: s.Name, Action: Hold, Reason: why}
		}
	}
	byName := func(s []Step) { sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name }) }
	byName(destroys)
	byName(rest)
	return append(destroys, rest...)
}

// change is the step for a declared container the host has.
func change(d Desired, c Current) Step {
	autostart := d.Settings.Autostart.Enable
	systemChanged := d.System == "" || d.System != c.System || c.Running && c.Active != "" && c.Active != d.System
	if !systemChanged {
		if autostart && !c.Running {
			return Step{Name: d.Name, Action: Start, Reason: "unchanged, stopped, and autoStart"}
		}
		return Step{Name: d.Name, Action: Keep, Reason: "unchanged"}
	}
	why := "its system changed"
	if d.System == "" {
		why = "its system is to be built"
	}
	atStart := startOnly(c.Settings, d.Settings)
	if len(atStart) > 0 {
		why = strings.Join(atStart, ", ") + " changed"
	}
	switch {
	case !c.Running:
		return Step{Name: d.Name, Action: Update, Reason: why, StartAfter: autostart}
	case len(atStart) == 0:
		return Step{Name: d.Name, Action: Update, Reason: why + " (in place)"}
	case d.RestartIfChanged:
		return Step{Name: d.Name, Action: Restart, Reason: why + ", which takes a restart"}
	case slices.Contains(atStart, "network"):
		return Step{Name: d.Name, Action: Hold, Reason: why + ": a running container's network changes only with a restart, and restartIfChanged is false"}
	}
	return Step{Name: d.Name, Action: Update, Reason: fmt.Sprintf("%s (in place; restartIfChanged is false, so they apply at its next start)", why)}
}

// startOnly names the settings that differ and that only a start applies:
// LXC sets them up when it starts a container.
func startOnly(from, to spec.Settings) []string {
	var out []string
	if from.Network != to.Network {
		out = append(out, "network")
	}
	if from.Limits != to.Limits {
		out = append(out, "limits")
	}
	if from.LXCExtraConfig != to.LXCExtraConfig {
		out = append(out, "extraConfig")
	}
	if !slices.Equal(from.BindMounts, to.BindMounts) {
		out = append(out, "bindMounts")
	}
	if !slices.Equal(from.Macvlans, to.Macvlans) {
		out = append(out, "macvlans")
	}
	if from.Ephemeral != to.Ephemeral {
		out = append(out, "ephemeral")
	}
	return out
}

// Changes reports whether a plan changes anything.
func Changes(steps []Step) bool {
	for _, s := range steps {
		if s.Action != Keep || s.Adopt {
			return true
		}
	}
	return false
}

// sharedPorts finds declared containers whose forwardPorts take a host
// port another declared container takes, with why each is held: one of
// them keeps the port (the one that has it now, else the first by name),
// so which one gets it never depends on which build ends first.
func sharedPorts(desired []Desired, have map[string]Current) map[string]string {
	holds := func(d Desired) bool {
		c, ok := have[d.Name]
		if !ok {
			return false
		}
		for _, f := range d.Settings.ForwardPorts {
			for _, g := range c.Settings.ForwardPorts {
				if f.Overlaps(g) {
					return true
				}
			}
		}
		return false
	}
	var claims []Desired
	for _, d := range desired {
		if d.Err == "" && len(d.Settings.ForwardPorts) > 0 {
			claims = append(claims, d)
		}
	}
	sort.SliceStable(claims, func(i, j int) bool {
		if hi, hj := holds(claims[i]), holds(claims[j]); hi != hj {
			return hi
		}
		return claims[i].Name < claims[j].Name
	})
	held := map[string]string{}
	var kept []Desired
	for _, d := range claims {
		why := ""
		for _, k := range kept {
			for _, f := range d.Settings.ForwardPorts {
				for _, g := range k.Settings.ForwardPorts {
					if why == "" && f.Overlaps(g) {
						why = fmt.Sprintf("host port %s %d is declared for container %s too: a host port is one container's", f.Protocol, f.HostPort, k.Name)
					}
				}
			}
		}
		if why != "" {
			held[d.Name] = why
			continue
		}
		kept = append(kept, d)
	}
	return held
}

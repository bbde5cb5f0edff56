package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A declaration file (nixlxc apply, and the NixOS module's
// services.nixlxc.containers) is a set of containers with
// nixos-container's option names:
//
//	{ web = { config = ./web.nix; autoStart = true; forwardPorts = [ ... ]; }; }
//
// config is a container file (a NixOS module, or nixcloud's attribute-set
// form with settings around `configuration`) or a module written in place;
// the other options are the container's settings under their
// nixos-container names (autoStart, extraConfig) or nixlxc's (network,
// limits), and two that only apply uses: restartIfChanged and
// timeoutStartSec.

// DeclOptions are the options of a declared container, in the order a
// message lists them.
var DeclOptions = []string{"autoStart", "bindMounts", "config", "ephemeral", "extraConfig", "forwardPorts", "limits", "macvlans", "network", "restartIfChanged", "timeoutStartSec"}

// DeclEvaluated is one declared container as nixsys reads it: its
// settings as a container file's (the declaration's options under their
// setting names, merged with its config file's), and what only the
// declaration has.
type DeclEvaluated struct {
	Evaluated
	NotASet          bool            `json:"notASet"`
	NoConfig         bool            `json:"noConfig"`
	DeclUnknown      []string        `json:"declUnknown"`
	Both             []string        `json:"both"` // set by the declaration and by its config file
	RestartIfChanged json.RawMessage `json:"restartIfChanged"`
	TimeoutStartSec  json.RawMessage `json:"timeoutStartSec"`
	// EvalErr is why its declaration did not evaluate (Nix's error).
	EvalErr string `json:"-"`
	// ConfigDir is the directory of its config file ("" for a module
	// written in place): what its builds may read besides the declaration.
	ConfigDir string `json:"-"`
}

// Declaration is one declared container, checked.
type Declaration struct {
	Name     string
	Settings Settings
	// RestartIfChanged restarts a running container whose change applies
	// only at start (network, limits, mounts...); default true.
	RestartIfChanged bool
	// TimeoutStart bounds the wait for it to boot (default 1 minute).
	TimeoutStart time.Duration
}

// DefaultTimeoutStart is nixos-container's timeoutStartSec default.
const DefaultTimeoutStart = time.Minute

// FromDeclared checks one declared container. Errors name it as the NixOS
// module does: containers.NAME.
func FromDeclared(name string, e DeclEvaluated) (Declaration, error) {
	d := Declaration{Name: name, RestartIfChanged: true, TimeoutStart: DefaultTimeoutStart}
	where := "containers." + name
	if err := CheckName(name); err != nil {
		return d, fmt.Errorf("%s: %w", where, err)
	}
	switch {
	case e.EvalErr != "":
		return d, fmt.Errorf("%s: %s", where, e.EvalErr)
	case e.NotASet:
		return d, fmt.Errorf("%w %s: must be an attribute set of options (%s)", ErrInvalid, where, strings.Join(DeclOptions, ", "))
	case len(e.DeclUnknown) > 0:
		sort.Strings(e.DeclUnknown)
		return d, fmt.Errorf("%w %s: unknown option %q (known: %s)", ErrInvalid, where, e.DeclUnknown[0], strings.Join(DeclOptions, ", "))
	case e.NoConfig:
		return d, fmt.Errorf("%w %s: config is required (a container file, or a NixOS module)", ErrInvalid, where)
	case len(e.Both) > 0:
		sort.Strings(e.Both)
		return d, fmt.Errorf("%w %s: %s is set both here and in its config file; set it in one place", ErrInvalid, where, e.Both[0])
	}
	s, _, err := FromEvaluated(e.Evaluated)
	if err != nil {
		return d, fmt.Errorf("%s: %w", where, err)
	}
	d.Settings = s
	if isSet(e.RestartIfChanged) {
		if err := json.Unmarshal(e.RestartIfChanged, &d.RestartIfChanged); err != nil {
			return d, fmt.Errorf("%w %s.restartIfChanged: must be a boolean", ErrInvalid, where)
		}
	}
	if isSet(e.TimeoutStartSec) {
		var span string
		if err := json.Unmarshal(e.TimeoutStartSec, &span); err != nil {
			var n float64
			if err := json.Unmarshal(e.TimeoutStartSec, &n); err != nil {
				return d, fmt.Errorf("%w %s.timeoutStartSec: must be a time span such as \"1min\"", ErrInvalid, where)
			}
			span = strconv.FormatFloat(n, 'f', -1, 64)
		}
		if d.TimeoutStart, err = ParseTimeSpan(span); err != nil {
			return d, fmt.Errorf("%w %s.timeoutStartSec: %v", ErrInvalid, where, err)
		}
	}
	return d, nil
}

// timeUnits are systemd.time(7)'s units, in seconds.
var timeUnits = map[string]float64{
	"us": 1e-6, "usec": 1e-6, "ms": 1e-3, "msec": 1e-3,
	"": 1, "s": 1, "sec": 1, "second": 1, "seconds": 1,
	"m": 60, "min": 60, "minute": 60, "minutes": 60,
	"h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
	"d": 86400, "day": 86400, "days": 86400,
}

// ParseTimeSpan reads a time span as systemd does ("90", "90s", "1min
// 30s", "2h"): what nixos-container's timeoutStartSec takes. It must be
// between a millisecond and a day.
func ParseTimeSpan(s string) (time.Duration, error) {
	bad := fmt.Errorf("\"%s\" is not a time span such as 90s, 1min or 1min 30s", printable(s))
	rest := strings.TrimSpace(s)
	if rest == "" {
		return 0, bad
	}
	var total float64
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, bad
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, bad
		}
		rest = strings.TrimLeft(rest[i:], " ")
		j := 0
		for j < len(rest) && rest[j] >= 'a' && rest[j] <= 'z' {
			j++
		}
		unit, ok := timeUnits[rest[:j]]
		if !ok {
			return 0, bad
		}
		total += n * unit
		rest = strings.TrimLeft(rest[j:], " ")
	}
	if math.IsInf(total, 0) || math.IsNaN(total) || total < 1e-3 || total > 86400 {
		return 0, fmt.Errorf("\"%s\" is not between 1ms and 1 day", printable(s))
	}
	return time.Duration(total * float64(time.Second)), nil
}

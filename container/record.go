package container

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
)

// record is what nixlxc keeps about a container besides its profile. Its
// existence is what makes a container exist: create writes it last; destroy
// marks it Destroying first and removes it last, so an interrupted destroy
// leaves a container that destroy finishes.
type record struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// ConfigFile or Flake, NixArgs and Allow, are the current generation's
	// source (sources.go); Sources are every generation's, by system.
	ConfigFile string            `json:"configFile"`
	Flake      string            `json:"flake,omitempty"`
	NixArgs    []string          `json:"nixArgs,omitempty"`
	Allow      []string          `json:"allow,omitempty"`
	Sources    map[string]Source `json:"sources,omitempty"`
	// IDMapBase is the first host uid and gid of the container's 65536.
	IDMapBase   uint32 `json:"idmapBase"`
	SharedIDMap bool   `json:"sharedIdmap,omitempty"`
	// Ephemeral: created with --ephemeral, which every build keeps.
	Ephemeral bool `json:"ephemeral,omitempty"`
	// Throwaway is the nixlxc run --rm that made it to destroy it after
	// its command: doctor destroys it once that process is gone.
	Throwaway *process `json:"throwaway,omitempty"`
	// Declared: apply manages it (made it, or took it over); its config
	// file is the one apply writes.
	Declared bool `json:"declared,omitempty"`
	// Settings are those of the active generation, kept for generations that
	// carry none (made by nix-env from a system nixlxc did not build).
	Settings spec.Settings `json:"settings"`
	// StateVersion is the system.stateVersion of the container's first
	// build, passed to every later one (a configuration that sets its own
	// wins), so a newer nixpkgs does not change it behind the user's back.
	StateVersion string `json:"stateVersion,omitempty"`
	// Destroying marks a destroy in progress, or interrupted.
	Destroying bool `json:"destroying,omitempty"`
	// Active is the system nixlxc last booted or activated in the
	// container: the host's own account of what runs there. What the
	// container reports is only ever compared with it.
	Active string `json:"active,omitempty"`
}

// idCount is how many uids and gids a container maps.
const idCount = 65536

// systemSettings returns the settings a system was built with, or the
// record's when the system carries none (nix-env made it from a system
// nixlxc did not build). Settings that fail their checks are an error.
func systemSettings(system string, fallback spec.Settings) (spec.Settings, error) {
	data, err := os.ReadFile(filepath.Join(system, "nixlxc.json"))
	if err != nil {
		return fallback, nil
	}
	s, err := spec.ParseRecorded(data)
	if err != nil {
		return fallback, fmt.Errorf("%s/nixlxc.json: %w", system, err)
	}
	return s, nil
}

// generationSettings is systemSettings for reports, where the record's
// settings stand in for invalid ones.
func generationSettings(system string, fallback spec.Settings) spec.Settings {
	s, _ := systemSettings(system, fallback)
	return s
}

// bindMounts renders the bindMounts setting: idmapped, so that host root's
// files are root's inside (the container's root writes them as host root
// through a read-write one), and nodev, so that it owns no host device.
// checkSettings has checked the host paths.
func bindMounts(bs []spec.BindMount) []lxcconf.Mount {
	var ms []lxcconf.Mount
	for _, b := range bs {
		opts := "bind,nodev,idmap=container"
		if b.ReadOnly {
			opts = "ro," + opts
		}
		if st, err := os.Stat(b.HostPath); err == nil && !st.IsDir() {
			opts += ",create=file"
		} else {
			opts += ",create=dir"
		}
		ms = append(ms, lxcconf.Mount{Source: b.HostPath, Target: strings.TrimPrefix(b.MountPoint, "/"), Options: opts})
	}
	return ms
}

// builtStateVersion is the system.stateVersion a system nixlxc built was
// built with ("" if it does not say, or says something that is no
// version).
func builtStateVersion(system string) string {
	data, err := os.ReadFile(filepath.Join(system, "nixlxc-state-version"))
	if err != nil {
		return ""
	}
	v := strings.TrimSpace(string(data))
	if !stateVersionPattern().MatchString(v) {
		return ""
	}
	return v
}

// stateVersionPattern is a NixOS release ("24.11") or a word like it.
var stateVersionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9A-Za-z._-]{1,32}$`) })

// Package locations reads where an installation keeps its things (its state
// directory, profile directory and host settings) from the file the NixOS
// module writes, for every nixlxc run on the host: sudo and services drop
// NIXLXC_* variables, a file does not go away.
package locations

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nixlxc/nixlxc/internal/inputfile"
	"github.com/nixlxc/nixlxc/spec"
)

// DefaultFile is where the NixOS module writes them.
const DefaultFile = "/etc/nixlxc/config.json"

// Locations is where one installation keeps its things; an empty field
// leaves the choice to the next source (flags and variables come first,
// then this file, then the defaults).
type Locations struct {
	StateDir   string `json:"stateDir,omitempty"`
	ProfileDir string `json:"profileDir,omitempty"`
	HostConfig string `json:"hostConfig,omitempty"`
}

// Load reads path; a missing file is empty Locations.
// Unknown keys and relative paths are errors: a misspelt key would
// silently send nixlxc to another installation.
func Load(path string) (Locations, error) {
	var in Locations
	// The admin's file: a FIFO there must not hang nixlxc.
	data, err := inputfile.Read(path)
	if errors.Is(err, os.ErrNotExist) {
		return in, nil
	}
	if err != nil {
		return in, fmt.Errorf("reading %s: %w", path, err)
	}
	return parse(data, path)
}

// parseLocations checks the text of a config file; path names it in errors.
func parse(data []byte, path string) (Locations, error) {
	var in Locations
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("%w %s: %v", spec.ErrInvalid, path, err)
	}
	for key, p := range map[string]string{"stateDir": in.StateDir, "profileDir": in.ProfileDir, "hostConfig": in.HostConfig} {
		if p != "" && !filepath.IsAbs(p) {
			return in, fmt.Errorf("%w %s: %s %q is not an absolute path", spec.ErrInvalid, path, key, p)
		}
	}
	return in, nil
}

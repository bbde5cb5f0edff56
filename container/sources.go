package container

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/spec"
)

// Source is what a generation was built from: a config file, or a flake's
// NixOS configuration (Flake is "REF#ATTR", the configuration being
// REF#nixosConfigurations.ATTR), with the Nix arguments of the build.
//
// Each generation's source is recorded beside the container's record,
// keyed by the generation's system: `update NAME` rebuilds the current
// generation's, so after a rollback the older source is current again, as
// nixos-container rebuilds a container from its own configuration after a
// nixpkgs bump. It is kept out of the system itself, where it would make
// the same configuration built from two paths two systems, and out of the
// profile directory, which the container sees.
type Source struct {
	ConfigFile string   `json:"configFile,omitempty"`
	Flake      string   `json:"flake,omitempty"`
	NixArgs    []string `json:"nixArgs,omitempty"`
	// Allow are the directories a declared container's builds may read
	// besides its container file's: its declaration's and its config
	// file's (nixsys.Nix.Allow).
	Allow []string `json:"allow,omitempty"`
}

func (s Source) String() string {
	if s.Flake != "" {
		return "flake " + s.Flake
	}
	return s.ConfigFile
}

// source is the current generation's source.
func (r *record) source() Source {
	return Source{ConfigFile: r.ConfigFile, Flake: r.Flake, NixArgs: r.NixArgs, Allow: r.Allow}
}

// useSource makes s the current generation's source.
func (r *record) useSource(s Source) {
	r.ConfigFile, r.Flake, r.NixArgs, r.Allow = s.ConfigFile, s.Flake, s.NixArgs, s.Allow
}

// remember records that system was built from s. The map is copied: a
// record copied for a change (next := *rec) must not change the original.
func (r *record) remember(system string, s Source) {
	m := maps.Clone(r.Sources)
	if m == nil {
		m = map[string]Source{}
	}
	m[system] = s
	r.Sources = m
}

// useSourceOf makes the source of system current, when it is known (a
// generation nix-env made, or one from before sources were recorded, keeps
// the last).
func (r *record) useSourceOf(system string) {
	if s, ok := r.Sources[system]; ok {
		r.useSource(s)
	}
}

// forgetSourcesBut drops the sources of systems that are no generation's.
func (r *record) forgetSourcesBut(gens []generations.Generation) {
	keep := map[string]bool{}
	for _, g := range gens {
		keep[g.Path] = true
	}
	m := maps.Clone(r.Sources)
	for system := range m {
		if !keep[system] {
			delete(m, system)
		}
	}
	r.Sources = m
}

// sourceFor is the source a build uses: the file or flake given, else
// (neither) the current generation's; the command line's Nix arguments
// (nixArgs, nil if none were given) replace the recorded ones. A file or
// flake given reads its own directory only: the directories a declaration
// allowed go with it (apply gives them anew).
func sourceFor(name, file, flake string, current Source, nixArgs []string) (Source, error) {
	var s Source
	var err error
	switch {
	case file != "" && flake != "":
		return s, fmt.Errorf("%w: give a config file or --flake, not both", ErrInvalid)
	case file != "":
		s.ConfigFile, err = configFile(file)
	case flake != "":
		s.Flake, err = flakeRef(flake, name)
	default:
		s = current
		if s.ConfigFile == "" && s.Flake == "" {
			return s, fmt.Errorf("%w: %s has no recorded source: give a config file or --flake", ErrInvalid, name)
		}
		if s.ConfigFile != "" {
			// It may have gone since: the same check as a file given.
			if _, err := configFile(s.ConfigFile); err != nil {
				return s, fmt.Errorf("rebuilding %s from its source: %w", name, err)
			}
		}
	}
	if err != nil {
		return s, err
	}
	if file != "" || flake != "" {
		s.NixArgs = current.NixArgs
	}
	if nixArgs != nil {
		s.NixArgs = nixArgs
	}
	return s, nil
}

// flakeRef checks a flake reference and gives it its attribute: REF#ATTR,
// ATTR the container's name unless given. A local path becomes absolute
// (the reference is kept for later updates, from any directory); other
// references (path:, git+file:, github:...) are Nix's to resolve.
func flakeRef(ref, name string) (string, error) {
	base, attr, _ := strings.Cut(ref, "#")
	if attr == "" {
		attr = name
	}
	if base == "" {
		return "", fmt.Errorf("%w flake reference %q: no flake before #", ErrInvalid, ref)
	}
	if err := spec.CheckFlakeAttr(attr); err != nil {
		return "", err
	}
	if isPathRef(base) {
		abs, err := filepath.Abs(base)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(filepath.Join(abs, "flake.nix")); errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%w flake %s: no flake.nix in %s", ErrInvalid, base, abs)
		} else if err != nil {
			return "", fmt.Errorf("%w flake %s: %v", ErrInvalid, base, err)
		}
		base = abs
	}
	return base + "#" + attr, nil
}

// isPathRef tells a local path from a URL-like flake reference, as Nix
// does: a path starts with / or ., or has no scheme.
func isPathRef(ref string) bool {
	return strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, ".") || !strings.Contains(ref, ":")
}

// currentSource is the source of the container's current generation.
func (rs *records) currentSource(rec *record) Source {
	if system, err := rs.currentSystem(rec.Name); err == nil {
		if s, ok := rec.Sources[system]; ok {
			return s
		}
	}
	return rec.source()
}

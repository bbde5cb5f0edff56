package nixsys

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nixlxc/nixlxc/spec"
)

// A flake is confined as a config file is: Nix may read, for it, only its
// own directory and below, the search path and the store. Nix 2.8 fetches
// a flake's inputs (to lock them, and again to evaluate them) outside
// restricted mode, as root, copying what they name into the world-readable
// store: so every input that reads the host's file system is checked
// before Nix locks or fetches anything. Inputs of local inputs are checked
// the same way, to a bound.

// Bounds of the walk over inputs of inputs.
const (
	maxFlakeDepth = 8
	maxFlakes     = 64
)

type flakeWalk struct {
	nix   Nix
	top   string   // the flake's own directory, resolved
	roots []string // the search path and the store, resolved
	seen  map[string]bool
}

// confineFlake refuses ref (a flake reference, REF of REF#ATTR) when one of
// its inputs, its lock file's nodes or its local inputs' would make Nix
// read a host path outside the flake's directory, the search path and the
// store. A remote flake's own directory is fetched by Nix, not read from
// the host; its lock file is checked when the build reads it.
func (n Nix) confineFlake(ctx context.Context, ref string) error {
	s, err := urlSource(ref)
	if err != nil {
		return fmt.Errorf("%w flake %s: %v", spec.ErrInvalid, ref, err)
	}
	if !s.local {
		return nil
	}
	top, err := filepath.Abs(s.path)
	if err != nil {
		return err
	}
	top, err = filepath.EvalSymlinks(filepath.Join(top, s.dir))
	if err != nil {
		return fmt.Errorf("%w flake %s: %v", spec.ErrInvalid, ref, err)
	}
	w := &flakeWalk{nix: n, top: top, seen: map[string]bool{}}
	for _, d := range append(n.searchPath(), storeDir) {
		if r, err := filepath.EvalSymlinks(d); err == nil {
			w.roots = append(w.roots, r)
		}
	}
	return w.flake(ctx, top, 0)
}

// flake checks the flake in dir (resolved) and its local inputs.
func (w *flakeWalk) flake(ctx context.Context, dir string, depth int) error {
	if w.seen[dir] {
		return nil
	}
	w.seen[dir] = true
	if len(w.seen) > maxFlakes || depth > maxFlakeDepth {
		return fmt.Errorf("%w flake %s: more than %d flakes or %d levels of inputs of inputs", spec.ErrInvalid, w.top, maxFlakes, maxFlakeDepth)
	}
	nixFile, lockFile := filepath.Join(dir, "flake.nix"), filepath.Join(dir, "flake.lock")
	// Nix reads both and writes the lock file, following symlinks.
	if st, err := os.Lstat(nixFile); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("%w flake %s: flake.nix is not a regular file", spec.ErrInvalid, dir)
	}
	var lock []input
	if st, err := os.Lstat(lockFile); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%w flake %s: flake.lock is not a regular file", spec.ErrInvalid, dir)
		}
		data, err := os.ReadFile(lockFile)
		if err != nil {
			return err
		}
		if lock, err = lockInputs(data); err != nil {
			return fmt.Errorf("%w flake %s: %v", spec.ErrInvalid, dir, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// Parsed, not evaluated: nothing of flake.nix runs.
	parsed, err := Nix{Env: w.nix.Env}.run(ctx, "reading the inputs of "+nixFile, "nix-instantiate", "--parse", nixFile)
	if err != nil {
		return err
	}
	ins, err := parsedInputs(parsed)
	if err != nil {
		return fmt.Errorf("%w flake %s: %v", spec.ErrInvalid, dir, err)
	}
	for _, in := range append(ins, lock...) {
		if err := w.input(ctx, dir, "", in, depth); err != nil {
			return err
		}
	}
	return nil
}

// input checks one input of the flake in dir, and the inputs it overrides.
func (w *flakeWalk) input(ctx context.Context, dir, prefix string, in input, depth int) error {
	name := prefix + in.name
	for _, sub := range in.inputs {
		if err := w.input(ctx, dir, name+"/", sub, depth); err != nil {
			return err
		}
	}
	if in.follows && in.url == "" && in.attrs == nil {
		return nil // another input, checked as itself
	}
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("%w flake %s: input %s (%s): %s", spec.ErrInvalid, dir, name, in.ref(), fmt.Sprintf(format, args...))
	}
	s, err := in.source()
	if err != nil {
		return refuse("%v", err)
	}
	if !s.local {
		return nil
	}
	p := s.path
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(p))
	if err != nil {
		return refuse("%v", err)
	}
	if !w.allowed(dir, real) {
		return refuse("it reads %s, outside the flake's directory, the search path and /nix/store", real)
	}
	flakeDir, err := filepath.EvalSymlinks(filepath.Join(real, s.dir))
	if err != nil {
		return refuse("%v", err)
	}
	if !inside(flakeDir, real) {
		return refuse("dir=%s leads to %s, outside %s", s.dir, flakeDir, real)
	}
	if in.noFlake {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(flakeDir, "flake.nix")); err != nil {
		return nil // Nix will say it is no flake
	}
	return w.flake(ctx, flakeDir, depth+1)
}

// allowed tells whether the flake in dir may make Nix read path (both
// resolved).
func (w *flakeWalk) allowed(dir, path string) bool {
	for _, r := range append([]string{dir, w.top}, w.roots...) {
		if inside(path, r) {
			return true
		}
	}
	return false
}

// inside tells whether path is dir or below it (both clean).
func inside(path, dir string) bool {
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}

// searchPath are the directories of the evaluation's search path: NIX_PATH
// (of n.Env when set) and the -I arguments, with or without their names.
// URLs (https://...tar.gz) read no host file and are left out.
func (n Nix) searchPath() []string {
	nixPath := os.Getenv("NIX_PATH")
	if n.Env != nil {
		nixPath = ""
		for _, e := range n.Env {
			if v, ok := strings.CutPrefix(e, "NIX_PATH="); ok {
				nixPath = v
			}
		}
	}
	var entries []string
	parts := strings.Split(nixPath, ":")
	for i := 0; i < len(parts); i++ {
		if i+1 < len(parts) && strings.HasPrefix(parts[i+1], "//") {
			i++ // SCHEME://...: a URL, split by the colon
			continue
		}
		entries = append(entries, parts[i])
	}
	for i, a := range n.Args {
		switch {
		case (a == "-I" || a == "--include") && i+1 < len(n.Args):
			entries = append(entries, n.Args[i+1])
		case strings.HasPrefix(a, "-I") && len(a) > 2:
			entries = append(entries, a[2:])
		}
	}
	var dirs []string
	for _, e := range entries {
		if _, v, ok := strings.Cut(e, "="); ok {
			e = v
		}
		if filepath.IsAbs(e) {
			dirs = append(dirs, filepath.Clean(e))
		}
	}
	return dirs
}

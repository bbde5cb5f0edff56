package nixsys

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/nixlxc/nixlxc/spec"
)

// Flakes: a container built from REF#ATTR gets its configuration from the
// flake's nixosConfigurations.ATTR and its settings from the flake's
// nixlxc.ATTR. Nix 2.8 (and Nix up to now) has flakes behind experimental
// features, switched on for these calls only. builtins.getFlake, through
// which nix-build reaches the flake, never writes a lock file: the flake is
// locked first, as `nix build` would lock it (flake.lock gets the inputs
// it lacks; locked ones stay as they are).

// flakeFeatures switches Nix's flake support on for one call.
var flakeFeatures = []string{"--extra-experimental-features", "nix-command flakes"}

// splitFlake takes "REF#ATTR" apart.
func splitFlake(flake string) (ref, attr string, err error) {
	ref, attr, ok := strings.Cut(flake, "#")
	if !ok || ref == "" || attr == "" {
		return "", "", fmt.Errorf("flake reference %q: want REF#ATTR", flake)
	}
	return ref, attr, nil
}

// optionArgs are the --option NAME VALUE triples among the user's
// arguments: the settings (flake-registry, substituters...) the lock step
// must share with the build, which takes nix-build's other arguments.
func optionArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--option" && i+2 < len(args) {
			out = append(out, args[i:i+3]...)
			i += 2
		}
	}
	return out
}

// lockFlake writes what the flake's lock file lacks.
func (n Nix) lockFlake(ctx context.Context, ref string) error {
	args := append(append([]string{"flake", "lock", ref}, flakeFeatures...), optionArgs(n.Args)...)
	// Not n.run: nix-build's arguments are not all nix's.
	_, err := Nix{ExprDir: n.ExprDir, Env: n.Env}.run(ctx, "locking the flake "+ref, "nix", args...)
	return err
}

// FlakeSettings reads the settings of a container built from flake
// (REF#ATTR), after locking it.
func (n Nix) FlakeSettings(ctx context.Context, flake string) (spec.Evaluated, error) {
	var e spec.Evaluated
	ref, attr, err := splitFlake(flake)
	if err != nil {
		return e, err
	}
	// Before Nix locks (fetches) anything.
	if err := n.confineFlake(ctx, ref); err != nil {
		return e, err
	}
	if err := n.lockFlake(ctx, ref); err != nil {
		return e, err
	}
	dir, err := n.ensureExprs()
	if err != nil {
		return e, err
	}
	args := append([]string{"--eval", "--strict", "--json",
		filepath.Join(dir, "flake-settings.nix"),
		"--argstr", "flake", ref, "--argstr", "attr", attr}, flakeFeatures...)
	args = append(args, restrictedFlake(dir)...)
	out, err := n.run(ctx, "reading the flake "+flake, "nix-instantiate", args...)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		return e, fmt.Errorf("reading the flake %s: unexpected output of nix-instantiate: %w", flake, err)
	}
	return e, nil
}

// restrictedFlake evaluates a flake in Nix's restricted mode too: a flake
// loaded from nixlxc's expressions with builtins.getFlake is evaluated as
// impurely as they are, so it could read the host's files. It reads its
// own sources (and its inputs'), what the search path holds, and nixlxc's
// expressions.
func restrictedFlake(exprDir string) []string {
	return append([]string{"--option", "restrict-eval", "true", "-I", "nixlxc-exprs=" + exprDir}, standinInit(exprDir)...)
}

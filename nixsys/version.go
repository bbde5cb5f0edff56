package nixsys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrTooOld marks a Nix older than the nixpkgs a build would use requires.
var ErrTooOld = errors.New("the installed Nix is too old for the nixpkgs")

// Versions are the installed Nix's version and what the nixpkgs on the
// search path asks of it.
type Versions struct {
	Nix     string `json:"nix"`     // builtins.nixVersion
	Nixpkgs string `json:"nixpkgs"` // where <nixpkgs> resolves; "" if nowhere
	Min     string `json:"min"`     // its lib/minver.nix; "" if it has none
	// TooOld is builtins.compareVersions Min Nix > 0: Nix's own ordering,
	// the one nixpkgs' check uses.
	TooOld bool `json:"tooOld"`
}

// versionsExpr resolves <nixpkgs> exactly as the build will (same search
// path, same arguments) without evaluating anything of it but minver.nix.
// A nixpkgs without one (the stand-in) asks for nothing.
const versionsExpr = `let
  found = builtins.tryEval (builtins.findFile builtins.nixPath "nixpkgs");
  nixpkgs = if found.success then toString found.value else "";
  file = nixpkgs + "/lib/minver.nix";
  read = builtins.tryEval (import file);
  min = if nixpkgs != "" && builtins.pathExists file && read.success && builtins.isString read.value then read.value else "";
in {
  nix = builtins.nixVersion;
  inherit nixpkgs min;
  tooOld = min != "" && builtins.compareVersions min builtins.nixVersion > 0;
}`

// Versions asks Nix for its version and the nixpkgs' minimum.
func (n Nix) Versions(ctx context.Context) (Versions, error) {
	var v Versions
	out, err := n.run(ctx, "reading the Nix version", "nix-instantiate", "--eval", "--strict", "--json", "-E", versionsExpr)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return v, fmt.Errorf("reading the Nix version: unexpected output of nix-instantiate: %w", err)
	}
	return v, nil
}

// CheckVersion fails, before anything is evaluated or built, when the
// nixpkgs a build would use needs a newer Nix than the one installed:
// nixpkgs would otherwise fail deep inside the evaluation, or not at all
// where it only builds.
func (n Nix) CheckVersion(ctx context.Context) error {
	v, err := n.Versions(ctx)
	if err != nil {
		return err
	}
	return v.Check()
}

// Check is the error for v, or nil.
func (v Versions) Check() error {
	if !v.TooOld {
		return nil
	}
	return fmt.Errorf("%w: %s needs Nix %s or newer and this is Nix %s; install Nix %s or newer (README: \"Which Nix\"), or give an older nixpkgs with -n \"-I nixpkgs=PATH\"",
		ErrTooOld, v.Nixpkgs, v.Min, v.Nix, v.Min)
}

// Version is the installed Nix's version, as nix-instantiate --version
// says it ("nix-instantiate (Nix) 2.8.0" gives 2.8.0). It evaluates
// nothing, so it works whatever NIX_PATH holds.
func Version(ctx context.Context) (string, error) {
	out, err := Nix{}.run(ctx, "reading the Nix version", "nix-instantiate", "--version")
	if err != nil {
		return "", err
	}
	fields := strings.Fields(out)
	if len(fields) == 0 {
		return "", fmt.Errorf("reading the Nix version: nix-instantiate --version printed nothing")
	}
	return fields[len(fields)-1], nil
}

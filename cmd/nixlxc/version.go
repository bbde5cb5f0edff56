package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/urfave/cli/v2"
)

// version and commit are set at build time (make build):
// -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:        "version",
		Usage:       "print nixlxc's version and commit, and the versions of liblxc and Nix it uses (also --version)",
		Description: "Example: nixlxc version",
		Action: func(c *cli.Context) error {
			if _, err := args(c); err != nil {
				return err
			}
			w := c.App.Writer
			// The first line is what --version printed before it said more.
			fmt.Fprintf(w, "nixlxc version %s\n", version)
			fmt.Fprintf(w, "commit %s\n", buildCommit())
			fmt.Fprintf(w, "liblxc %s\n", lxcapi.Version())
			// Nix is asked, not assumed: the nix-instantiate on PATH is the
			// one every build runs.
			nix, err := nixsys.Version(c.Context)
			if err != nil {
				nix = "unknown (" + oneline.Clean(err.Error()) + ")"
			}
			fmt.Fprintf(w, "nix %s\n", nix)
			fmt.Fprintf(w, "go %s\n", runtime.Version())
			return nil
		},
	}
}

// buildCommit is the commit nixlxc was built from: the one make names, else
// the one the Go toolchain recorded (a build in a git checkout), else
// "unknown" (a build from a source tarball without either).
func buildCommit() string {
	if commit != "" {
		return commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "unknown"
	}
	if modified == "true" {
		rev += " (with uncommitted changes)"
	}
	return rev
}

package main

import (
	"github.com/urfave/cli/v2"
)

// flakeFlag builds from a flake instead of a config file, as
// nixos-container's --flake.
var flakeFlag = &cli.StringFlag{
	Name:  "flake",
	Usage: "build the flake's nixosConfigurations.NAME (REF#ATTR: .ATTR) instead of a config file; its settings are its nixlxc.NAME",
}

// sourceArgs reads the NAME and CONFIG.nix of create and update: the file
// is left out with --flake, and may be for update (the current
// generation's source is built again).
func sourceArgs(c *cli.Context, fileOptional bool) (name, file string, err error) {
	if c.String("flake") != "" {
		if c.Args().Len() == 2 {
			return "", "", usagef("%s: give CONFIG.nix or --flake, not both (see nixlxc %s --help)", c.Command.Name, c.Command.Name)
		}
		a, err := args(c, "NAME")
		if err != nil {
			return "", "", err
		}
		return a[0], "", nil
	}
	if fileOptional && c.Args().Len() == 1 {
		a, err := args(c, "NAME")
		if err != nil {
			return "", "", err
		}
		return a[0], "", nil
	}
	a, err := args(c, "NAME", "CONFIG.nix")
	if err != nil {
		return "", "", err
	}
	return a[0], a[1], nil
}

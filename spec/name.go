// Package spec owns what a user writes to describe a container: its name and
// the settings around its NixOS configuration in nixcloud-container's file
// format (autostart, network, lxcExtraConfig, limits).
//
// It checks them and turns them into typed values. It does not evaluate Nix
// (package nixsys does) and does not touch the host.
package spec

import (
	"errors"
	"fmt"
)

// ErrInvalid marks a name or setting the user must fix.
var ErrInvalid = errors.New("invalid")

// MaxNameLength keeps the host-side interface names derived from a container
// name ("nh-" + name) within the kernel's 15 characters (IFNAMSIZ - 1), the
// same limit nixos-container has.
const MaxNameLength = 11

// nameChars reports whether name is a host name label: lower-case letters,
// digits and hyphens, not starting or ending with a hyphen.
func nameChars(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(name)-1:
		default:
			return false
		}
	}
	return name != ""
}

// CheckName reports whether name can be a container name: a valid host name
// label, a safe path component, short enough for interface names.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w container name: empty", ErrInvalid)
	case len(name) > MaxNameLength:
		return fmt.Errorf("%w container name \"%s\": longer than %d characters (host interface names derived from it must fit in 15)", ErrInvalid, printable(name), MaxNameLength)
	case !nameChars(name):
		return fmt.Errorf("%w container name \"%s\": use lower-case letters, digits and inner hyphens only (it becomes the host name and a directory name)", ErrInvalid, printable(name))
	}
	return nil
}

// printable keeps an error about a hostile name on one line.
func printable(s string) string {
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}

// CheckFlakeAttr checks the attribute of a flake reference (REF#ATTR, the
// configuration REF#nixosConfigurations.ATTR): an attribute name as NixOS
// configurations are named, without quoting.
func CheckFlakeAttr(attr string) error {
	ok := attr != "" && len(attr) <= 100
	for i, r := range attr {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
		case (r == '-' || r == '.' || r == '\'') && i > 0:
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("%w flake attribute \"%s\": use letters, digits, _ - . and ' (the name under nixosConfigurations)", ErrInvalid, printable(attr))
	}
	return nil
}

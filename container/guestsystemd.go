package container

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"

	"github.com/nixlxc/nixlxc/lxcapi"
)

// A container's systemd and the host's cgroup layout.
//
// systemd 256 and 257 refuse to boot on the cgroup v1 hierarchy (legacy or
// hybrid, as on Debian 12 here) unless SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1
// is on the kernel command line, which in a container systemd reads from
// PID 1's own command line (/proc/1/cmdline): lxc.init.cmd's arguments.
// NixOS's init (stage-2-init.sh) hands its arguments on to systemd
// (`exec systemd "$@"`). systemd 258 dropped cgroup v1: on such a host it
// cannot boot at all, and start says so before starting.

// systemInit is the container's init: its profile is its
// /nix/var/nix/profiles, as nixos-container does it.
const systemInit = "/nix/var/nix/profiles/system/init"

// legacyCgroupForce is the argument systemd 256-257 need on cgroup v1.
const legacyCgroupForce = "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1"

// guestBoot decides how a system whose systemd has the given version boots
// on the host: the arguments its init needs, or why it cannot boot here.
// Version 0 means no systemd (the stand-in's busybox init) or unknown.
func guestBoot(version int, hostCgroupV2 bool) ([]string, error) {
	switch {
	case hostCgroupV2, version < 256:
		return nil, nil
	case version <= 257:
		return []string{legacyCgroupForce}, nil
	}
	return nil, fmt.Errorf("its systemd %d cannot boot on this host's cgroup v1 (legacy or hybrid) hierarchy: systemd dropped cgroup v1 in 258; boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1) or build the container from a nixpkgs with systemd 257 or older", version)
}

// Store path names of systemd: "<hash>-systemd-257.3", also
// "<hash>-systemd-minimal-257.3"; the version's first number is the
// release.
var systemdStoreName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-z]{32}-systemd(?:-[a-z]+)*-([0-9]+)(?:[.~_-][0-9A-Za-z.~_-]*)?$`)
})

// systemdVersionOf reads the version from the name of a systemd store path;
// 0 when the name is not one.
func systemdVersionOf(storePath string) int {
	m := systemdStoreName().FindStringSubmatch(filepath.Base(storePath))
	if m == nil {
		return 0
	}
	v, err := strconv.Atoi(m[1])
	if err != nil {
		return 0
	}
	return v
}

// systemdVersion is the version of the systemd a system boots: NixOS's
// toplevel links `systemd` to its systemd package. 0 when it has none.
func systemdVersion(system string) int {
	target, err := os.Readlink(filepath.Join(system, "systemd"))
	if err != nil {
		return 0
	}
	return systemdVersionOf(target)
}

// checkGuestBoot refuses, before LXC starts anything, a system that cannot
// boot on this host.
func checkGuestBoot(name, system string) error {
	if _, err := guestBoot(systemdVersion(system), lxcapi.CgroupV2()); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	return nil
}

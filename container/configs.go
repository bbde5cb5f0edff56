package container

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/nixlxc/nixlxc/atomicfile"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/spec"
)

// configs renders a container's LXC config from its record, the settings
// of the generation it boots and its interfaces, and keeps the rendered
// file (with nixlxc's seccomp policy beside it) up to date.
type configs struct {
	paths layout
	recs  *records
	net   *network
}

// initCommand is lxc.init.cmd for the container's current system.
func (cf *configs) initCommand(name string) string {
	system, err := cf.recs.currentSystem(name)
	if err != nil {
		return systemInit
	}
	args, _ := guestBoot(systemdVersion(system), lxcapi.CgroupV2())
	cmd := systemInit
	for _, a := range args {
		cmd += " " + a
	}
	return cmd
}

// writeNetworkedConfig renders the container's config with the interfaces
// its leases give it.
func (cf *configs) writeNetworked(rec *record, s spec.Settings) error {
	nets, err := cf.net.networks(rec, s)
	if err != nil {
		return err
	}
	return cf.write(cf.lxcConfig(rec, s, nets))
}

// lxcConfig is the container's LXC config for the given settings.
func (cf *configs) lxcConfig(r *record, s spec.Settings, nets []lxcconf.Network) lxcconf.Config {
	cgroup := lxcconf.CgroupV1
	if lxcapi.CgroupV2() {
		cgroup = lxcconf.CgroupV2
	}
	return lxcconf.Config{
		Name:   r.Name,
		RootFS: cf.paths.rootfs(r.Name),
		Init:   cf.initCommand(r.Name),
		IDMaps: []lxcconf.IDMap{
			{Kind: 'u', ContainerID: 0, HostID: r.IDMapBase, Count: idCount},
			{Kind: 'g', ContainerID: 0, HostID: r.IDMapBase, Count: idCount},
		},
		Mounts:    append(cf.ownMounts(r.Name), bindMounts(s.BindMounts)...),
		RootMount: cf.paths.rootMount(),
		Networks:  nets,
		Autostart: lxcconf.Autostart{
			Enable: s.Autostart.Enable,
			Order:  s.Autostart.Order,
			Delay:  s.Autostart.Delay,
		},
		Cgroup: cgroup,
		Limits: lxcconf.Limits{
			MemoryBytes: s.Limits.MemoryBytes(),
			CPUs:        s.Limits.CPUs,
			Pids:        pidsLimit(s.Limits.Pids),
		},
		LogFile:    cf.paths.logPath(r.Name),
		ConsoleLog: cf.paths.consolePath(r.Name),
		Seccomp:    cf.paths.seccompPath(),
		Extra:      s.Extra(),
	}
}

// ownMounts are nixlxc's own mounts of a container, before the user's.
func (cf *configs) ownMounts(name string) []lxcconf.Mount {
	return []lxcconf.Mount{
		// idmap=container: host root's files show as root inside, not
		// as nobody (which sshd's StrictModes, logrotate and others
		// refuse). Read-only for good: see lxcapi's startLocked.
		{Source: "/nix/store", Target: "nix/store", Options: "ro,bind,idmap=container,create=dir"},
		// As nixos-container does: the container's own profile is its
		// /nix/var/nix/profiles, so init is .../system/init.
		{Source: filepath.Dir(cf.paths.profile(name).Path), Target: "nix/var/nix/profiles", Options: "ro,bind,idmap=container,create=dir"},
		// LXC mounts /run itself so the system sees a mount point and
		// keeps the report directory nixlxc binds below it.
		{Source: "tmpfs", Target: "run", FSType: "tmpfs", Options: "rw,nosuid,nodev,mode=0755,create=dir"},
		{Source: cf.paths.runDir(name), Target: "run/nixlxc", Options: "rw,bind,create=dir"},
	}
}

// writeConfig renders and stores the LXC config, and the seccomp policy it
// names.
func (cf *configs) write(c lxcconf.Config) error {
	text, err := c.Render()
	if err != nil {
		return err
	}
	if c.Seccomp != "" {
		if old, err := os.ReadFile(c.Seccomp); err != nil || !bytes.Equal(old, lxcconf.SeccompPolicy) {
			if err := atomicfile.WriteFile(c.Seccomp, lxcconf.SeccompPolicy, 0o644); err != nil {
				return err
			}
		}
	}
	// Unchanged (the usual case at a start): no write, no fsync.
	if old, err := os.ReadFile(cf.paths.configPath(c.Name)); err == nil && bytes.Equal(old, text) {
		return nil
	}
	return atomicfile.WriteFile(cf.paths.configPath(c.Name), text, 0o600)
}

// renderKey is the fingerprint for rendering rec with settings s now; ""
// when it cannot be computed (then the config is always rendered).
func (cf *configs) renderKey(rec *record, s spec.Settings) string {
	host, err := cf.net.hostConfig()
	if err != nil {
		return ""
	}
	id := binaryID()
	if id == "" {
		return ""
	}
	h := sha256.New()
	err = json.NewEncoder(h).Encode(struct {
		Record     *record
		Settings   spec.Settings
		Host       any
		CgroupV2   bool
		StateDir   string
		ProfileDir string
		Binary     string
		Init       string // the current system's systemd may need arguments
	}{rec, s, host, lxcapi.CgroupV2(), cf.paths.stateDir, cf.paths.profileDir, id, cf.initCommand(rec.Name)})
	if err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// defaultPids bounds a container's processes and threads when its file
// sets no limit: a fork bomb inside must leave the host room to run
// nixlxc, which needs threads to stop it.
const defaultPids = 4096

func pidsLimit(set int64) int64 {
	if set > 0 {
		return set
	}
	return defaultPids
}

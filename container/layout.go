package container

import (
	"path/filepath"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/generations"
)

// layout is where an installation keeps its files: the state directory
// (LXC path, records, rootfs, database, locks) and the profile directory.
// It owns every path nixlxc writes; nothing else computes them.
type layout struct {
	stateDir   string
	profileDir string
	hostConfig string // host.json
	gcRootDir  string // Nix's indirect GC roots
}

func (l layout) lxcPath() string { return filepath.Join(l.stateDir, "lxc") }

// Paths of one container.
func (l layout) containerDir(name string) string { return filepath.Join(l.lxcPath(), name) }
func (l layout) rootfs(name string) string       { return filepath.Join(l.containerDir(name), "rootfs") }
func (l layout) runDir(name string) string       { return filepath.Join(l.containerDir(name), "run") }
func (l layout) configPath(name string) string   { return filepath.Join(l.containerDir(name), "config") }
func (l layout) recordPath(name string) string {
	return filepath.Join(l.containerDir(name), "nixlxc.json")
}
func (l layout) logPath(name string) string { return filepath.Join(l.containerDir(name), "lxc.log") }
func (l layout) consolePath(name string) string {
	return filepath.Join(l.containerDir(name), "console.log")
}
func (l layout) renderKeyPath(name string) string {
	return filepath.Join(l.containerDir(name), "config.key")
}
func (l layout) lockPath(name string) string { return filepath.Join(l.locksDir(), name+".lock") }

// profile is the container's Nix profile; markerPath marks its directory
// as nixlxc's (see installation.go).
func (l layout) profile(name string) generations.Profile {
	return generations.Profile{Path: filepath.Join(l.profileDir, name, "system"), GCRootDir: l.gcRootDir}
}
func (l layout) markerPath(name string) string {
	return filepath.Join(l.profileDir, name, profileMarker)
}

// Paths of the installation.
func (l layout) locksDir() string         { return filepath.Join(l.stateDir, "locks") }
func (l layout) tmpDir() string           { return filepath.Join(l.stateDir, "tmp") }
func (l layout) rootMount() string        { return filepath.Join(l.stateDir, "rootfs-mount") }
func (l layout) installationPath() string { return filepath.Join(l.stateDir, "installation") }
func (l layout) seccompPath() string      { return filepath.Join(l.stateDir, "nixlxc.seccomp") }
func (l layout) dbPath() string           { return filepath.Join(l.stateDir, "nixlxc.db") }
func (l layout) nixExprDir() string       { return filepath.Join(l.stateDir, "nix") }

// declaredDir holds the container files apply writes, one per declared
// container.
func (l layout) declaredDir() string { return filepath.Join(l.stateDir, "declared") }
func (l layout) declaredFile(name string) string {
	return filepath.Join(l.declaredDir(), name+".nix")
}

// namespaceLockDir holds a lock per network namespace, which every
// installation takes to set that namespace's network up or down: outside
// any state directory, root's alone.
const namespaceLockDir = "/run/nixlxc"

// hostNet is the installation's hold on the host's network.
func (l layout) hostNet() bridges.Host {
	return bridges.Host{
		ConfigPath: l.hostConfig,
		RecordPath: filepath.Join(l.stateDir, "host-network.json"),
		LockPath:   filepath.Join(l.locksDir(), "_host.lock"),
		// The containers' port forwards, which setup puts in the tables.
		ForwardsPath: filepath.Join(l.stateDir, "forwards.json"),
		// The state directory names the installation: the bridges carry
		// it as their mark (one installation per network namespace).
		Installation:     l.stateDir,
		NamespaceLockDir: namespaceLockDir,
	}
}

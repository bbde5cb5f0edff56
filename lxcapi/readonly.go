package lxcapi

import (
	"fmt"
	"runtime"
	"sort"
	"strings"

	lxc "github.com/lxc/go-lxc"
	"github.com/nixlxc/nixlxc/lxcconf"
	"golang.org/x/sys/unix"
)

// A read-only bind mount that liblxc makes inside the container's mount
// namespace belongs to the container's user namespace: its root can
// remount it read-write (mount -o remount,bind,rw). Without an id map,
// host root's files behind it still show as nobody's, but an idmapped one
// (bindMounts, and whatever idmap=container line) shows them as root's,
// and the container would write the host's files as host root. The kernel
// locks the read-only flag of the mounts a less privileged mount namespace
// inherits, and of the mounts bound from them. So liblxc starts the
// container from a mount namespace of its own in which every read-only
// source is a read-only mount already: the container's namespace inherits
// them locked, and its bind mounts of them stay read-only for good. The
// namespace is the starting thread's and liblxc's monitor's, never the
// host's: nothing is mounted on the host.

// bindSource is a host path that bind mounts of the config take.
type bindSource struct {
	path      string
	recursive bool
	readOnly  bool // every mount of it is read-only
}

// bindSources reads the bind mounts of the loaded config.
func bindSources(c *lxc.Container) []bindSource {
	byPath := map[string]*bindSource{}
	var order []string
	for _, v := range c.ConfigItem("lxc.mount.entry") {
		e, err := lxcconf.ParseMountEntry(v)
		if err != nil || !e.Bind() || e.HasOption("relative") {
			continue
		}
		b, ok := byPath[e.Source]
		if !ok {
			b = &bindSource{path: e.Source, readOnly: true}
			byPath[e.Source] = b
			order = append(order, e.Source)
		}
		b.recursive = b.recursive || e.HasOption("rbind")
		b.readOnly = b.readOnly && e.ReadOnly()
	}
	// Parents first: a read-only source inside another needs nothing more.
	sort.Slice(order, func(i, j int) bool { return strings.Count(order[i], "/") < strings.Count(order[j], "/") })
	var bs []bindSource
	for _, p := range order {
		bs = append(bs, *byPath[p])
	}
	return bs
}

// startLocked starts the container from a private mount namespace in which
// its read-only bind sources are read-only mounts.
func startLocked(c *lxc.Container, logFile string) error {
	sources := bindSources(c)
	ro := false
	for _, s := range sources {
		ro = ro || s.readOnly
	}
	if !ro {
		return start(c, logFile)
	}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread, and its mount namespace, end with
		// this goroutine. liblxc forks the monitor from this thread.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			errc <- fmt.Errorf("making a mount namespace to start in: %w", err)
			return
		}
		// Nothing mounted here reaches the host; the host's unmounts
		// still reach here.
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
			errc <- fmt.Errorf("making a mount namespace to start in: %w", err)
			return
		}
		if err := lockReadOnly(sources); err != nil {
			errc <- err
			return
		}
		errc <- start(c, logFile)
	}()
	return <-errc
}

// lockReadOnly mounts each read-only source over itself, read-only. A
// source inside another one is left alone: it is read-only with it. (A
// source below another mount fails liblxc's non-recursive bind in a user
// namespace, which is why nixlxc refuses read-only and read-write sources
// inside each other, and why read-write ones stay as they are.)
func lockReadOnly(sources []bindSource) error {
	var done []string
	for _, s := range sources {
		if !s.readOnly || insideAny(s.path, done) {
			continue
		}
		flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
		if s.recursive {
			flags |= unix.AT_RECURSIVE
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, s.path, flags)
		if err != nil {
			// liblxc says what is wrong with it when it mounts it.
			continue
		}
		err = lockOne(fd, s)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("making %s read-only for the container: %w", s.path, err)
		}
		done = append(done, s.path)
	}
	return nil
}

func lockOne(fd int, s bindSource) error {
	flags := uint(unix.AT_EMPTY_PATH)
	if s.recursive {
		flags |= unix.AT_RECURSIVE
	}
	if err := unix.MountSetattr(fd, "", flags, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
		return err
	}
	return unix.MoveMount(fd, "", unix.AT_FDCWD, s.path, unix.MOVE_MOUNT_F_EMPTY_PATH)
}

func insideAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

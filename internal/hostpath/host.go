package hostpath

import (
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/nixlxc/nixlxc/internal/mountinfo"
	"golang.org/x/sys/unix"
)

// fuseMagic is FUSE_SUPER_MAGIC, statfs's f_type of a FUSE file system.
const fuseMagic = 0x65735546

// Host is the host's file system, as this process sees it.
type Host struct {
	mounts []mountinfo.Mount // read once, when a FUSE directory is met
	read   bool
}

// Lstat implements FS.
func (h *Host) Lstat(path string) (Node, error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return Node{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	n := Node{Mode: fileMode(st.Mode), UID: st.Uid, GID: st.Gid, FUSEMounter: -1}
	switch {
	case n.Mode&fs.ModeSymlink != 0:
		t, err := os.Readlink(path)
		if err != nil {
			return Node{}, err
		}
		n.Target = t
	case n.Mode.IsDir():
		var sfs unix.Statfs_t
		if err := unix.Statfs(path, &sfs); err != nil {
			return Node{}, &fs.PathError{Op: "statfs", Path: path, Err: err}
		}
		if sfs.Type == fuseMagic {
			n.FUSEMounter = h.fuseMounter(path)
		}
	}
	return n, nil
}

// fuseMounter is the user_id= of the FUSE mount path is on: the mount
// with the longest mount point above path (path has no symlink in it), the
// last such line when mounts are stacked. Unknown: -1 would trust it, so
// it is 2^32-1, which no one is.
func (h *Host) fuseMounter(path string) int64 {
	if !h.read {
		h.read = true
		if f, err := os.Open("/proc/self/mountinfo"); err == nil {
			h.mounts, _ = mountinfo.Parse(f)
			f.Close()
		}
	}
	var found *mountinfo.Mount
	for i, m := range h.mounts {
		if m.MountPoint == path || m.MountPoint == "/" || strings.HasPrefix(path, m.MountPoint+"/") {
			if found == nil || len(m.MountPoint) >= len(found.MountPoint) {
				found = &h.mounts[i]
			}
		}
	}
	const nobody = 1<<32 - 1
	if found == nil || !strings.HasPrefix(found.FSType, "fuse") {
		return nobody
	}
	for _, o := range found.SuperOptions {
		if v, ok := strings.CutPrefix(o, "user_id="); ok {
			if uid, err := strconv.ParseUint(v, 10, 32); err == nil {
				return int64(uid)
			}
		}
	}
	return nobody
}

// fileMode converts stat's mode to fs.FileMode: the type, the permissions
// and the sticky bit (set-id bits do not matter here).
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	}
	return mode
}

// Package cgroups reads the host's cgroup file systems (v1, hybrid and v2):
// where LXC put a container's cgroups. It never writes a limit: LXC applies
// those from the config.
package cgroups

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Root is where the cgroup hierarchies are mounted.
var Root = "/sys/fs/cgroup"

// maxDepth bounds the search for a container's cgroups: LXC makes them
// below the cgroup of the process that started the container (the root,
// or a service's cgroup such as system.slice/nixlxc.service).
const maxDepth = 4

// hierarchies are the mounted hierarchies: Root itself on a v2 host, its
// subdirectories that are cgroup mounts on a v1 or hybrid one.
func hierarchies() []string {
	if isCgroupFS(Root) {
		return []string{Root}
	}
	entries, _ := os.ReadDir(Root)
	var out []string
	for _, e := range entries {
		p := filepath.Join(Root, e.Name())
		if e.IsDir() && isCgroupFS(p) {
			out = append(out, p)
		}
	}
	return out
}

func isCgroupFS(p string) bool {
	var st unix.Statfs_t
	if unix.Statfs(p, &st) != nil {
		return false
	}
	return st.Type == unix.CGROUP2_SUPER_MAGIC || st.Type == unix.CGROUP_SUPER_MAGIC
}

// EmptyMonitors lists the empty monitor cgroups LXC left for the named
// containers (lxc.monitor.NAME, lxc.monitor.NAME-N): a start that failed,
// or one process that started a container several times, leaves them.
// Only empty ones are listed: no process, no child cgroup.
func EmptyMonitors(names []string) []string {
	return monitors(names, true)
}

// Monitors lists the monitor cgroups of the named containers, empty or not.
func Monitors(names []string) []string {
	return monitors(names, false)
}

func monitors(names []string, onlyEmpty bool) []string {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []string
	for _, h := range hierarchies() {
		walk(h, 0, func(dir, base string) bool {
			name, ok := monitorOf(base)
			whole := strings.TrimPrefix(base, "lxc.monitor.")
			if ok && (want[name] || want[whole]) && (!onlyEmpty || empty(dir)) {
				out = append(out, dir)
			}
			// Never descend into a container's own tree.
			return !ok && !strings.HasPrefix(base, "lxc.payload.")
		})
	}
	sort.Strings(out)
	return out
}

// monitorOf is the container whose monitor cgroup base names.
func monitorOf(base string) (string, bool) {
	rest, ok := strings.CutPrefix(base, "lxc.monitor.")
	if !ok || rest == "" {
		return "", false
	}
	if i := strings.LastIndexByte(rest, '-'); i > 0 && allDigits(rest[i+1:]) {
		return rest[:i], true
	}
	return rest, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// walk visits the cgroups below dir, to maxDepth; visit says whether to
// descend into one.
func walk(dir string, depth int, visit func(dir, base string) bool) {
	if depth >= maxDepth {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if visit(p, e.Name()) {
			walk(p, depth+1, visit)
		}
	}
}

// empty reports whether a cgroup has no process and no child.
func empty(dir string) bool {
	procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil || strings.TrimSpace(string(procs)) != "" {
		return false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.IsDir() {
			return false
		}
	}
	return true
}

// Remove removes an empty cgroup; one that is in use again stays.
func Remove(dir string) error {
	if !strings.HasPrefix(dir, Root+"/") {
		return errors.New("not a cgroup: " + dir)
	}
	err := unix.Rmdir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "rmdir", Path: dir, Err: err}
	}
	return nil
}

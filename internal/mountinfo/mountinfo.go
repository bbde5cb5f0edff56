// Package mountinfo reads /proc/PID/mountinfo, the kernel's list of a mount
// namespace's mounts.
package mountinfo

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Mount is one line of mountinfo.
type Mount struct {
	Root       string // the path of the mounted file system that is seen
	MountPoint string
	FSType     string
	Source     string
	// SuperOptions are the file system's own options (cgroup v1: its
	// controllers).
	SuperOptions []string
}

// Parse reads mountinfo lines, skipping any it cannot read.
func Parse(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw"
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 3 {
			continue
		}
		out = append(out, Mount{
			Root:         Unescape(f[3]),
			MountPoint:   Unescape(f[4]),
			FSType:       g[0],
			Source:       Unescape(g[1]),
			SuperOptions: strings.Split(g[2], ","),
		})
	}
	return out, sc.Err()
}

// Unescape undoes mountinfo's \NNN escapes (space, tab, newline and
// backslash in paths).
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

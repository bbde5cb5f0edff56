package lxcapi

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Whatever the caller of nixlxc holds open (`exec 7</etc/shadow` before
// `nixlxc run`) must not cross into a container: a process there could read
// the host's files through it, or keep it for good in a service an
// activation starts. Go opens its own files close-on-exec but leaves
// inherited ones as they are, and liblxc forks into the container without
// closing them (attach) or keeps 3 to LISTEN_FDS open (start). So, as runc
// does before it enters a container, everything above stderr is marked
// close-on-exec, and LISTEN_FDS goes: nixlxc is never socket-activated.

// closeRangeCloexec is CLOSE_RANGE_CLOEXEC (Linux 5.11).
const closeRangeCloexec = 1 << 2

// ShedInherited marks every file descriptor from 3 up close-on-exec and
// drops the socket-activation variables, so only stdin, stdout and stderr
// reach a container, or any command nixlxc runs. Call it first in main; the
// attach path calls it again before it forks into a container.
func ShedInherited() {
	for _, v := range []string{"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"} {
		os.Unsetenv(v)
	}
	if unix.CloseRange(3, ^uint(0), closeRangeCloexec) == nil {
		return
	}
	// Older kernels: each open descriptor in turn.
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}

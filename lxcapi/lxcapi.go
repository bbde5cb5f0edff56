// Package lxcapi is nixlxc's only door to liblxc, through go-lxc: start,
// stop, state and attach for containers whose config file nixlxc wrote.
//
// It never writes LXC config (lxcconf renders it, the lifecycle package
// stores it) and never execs lxc-* tools.
package lxcapi

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	lxc "github.com/lxc/go-lxc"
	"github.com/nixlxc/nixlxc/cgroups"
	"golang.org/x/sys/unix"
)

// States, as LXC names them.
const (
	Stopped  = "STOPPED"
	Starting = "STARTING"
	Running  = "RUNNING"
	Stopping = "STOPPING"
	Aborting = "ABORTING"
	Frozen   = "FROZEN"
)

// ErrNotRunning is returned by operations that need a running container.
var ErrNotRunning = errors.New("not running")

// Runtime is one LXC path: a directory of containers, each NAME/config.
type Runtime struct {
	Path string
}

func (r Runtime) open(name string) (*lxc.Container, error) {
	c, err := lxc.NewContainer(name, r.Path)
	if err != nil {
		return nil, fmt.Errorf("liblxc: opening %s: %w", name, err)
	}
	return c, nil
}

// State returns the container's LXC state.
func (r Runtime) State(name string) (string, error) {
	c, err := r.open(name)
	if err != nil {
		return "", err
	}
	defer c.Release()
	return c.State().String(), nil
}

// Active returns the names of containers with a running monitor, in one scan
// of the netns's unix sockets rather than one query per container.
func (r Runtime) Active() map[string]bool {
	active := map[string]bool{}
	for _, n := range lxc.ActiveContainerNames(r.Path) {
		active[n] = true
	}
	return active
}

// Handle is an opened container, for a check and an action without loading
// its config twice.
type Handle struct {
	c      *lxc.Container
	config string
	stat   os.FileInfo
}

// Open opens the container.
func (r Runtime) Open(name string) (*Handle, error) {
	c, err := r.open(name)
	if err != nil {
		return nil, err
	}
	config := filepath.Join(r.Path, name, "config")
	st, _ := os.Stat(config)
	return &Handle{c: c, config: config, stat: st}, nil
}

// State is the container's LXC state.
func (h *Handle) State() string { return h.c.State().String() }

// Close releases the handle.
func (h *Handle) Close() { h.c.Release() }

// Start starts the container, with its config as it is on disk now.
func (h *Handle) Start(logFile string) error {
	// nixlxc replaces the config by rename: a new file, or a rewritten one.
	if st, err := os.Stat(h.config); err == nil && (h.stat == nil || !os.SameFile(st, h.stat) || !st.ModTime().Equal(h.stat.ModTime()) || st.Size() != h.stat.Size()) {
		h.c.ClearConfig()
		if err := h.c.LoadConfigFile(h.config); err != nil {
			return fmt.Errorf("liblxc: loading %s: %w", h.config, err)
		}
	}
	return start(h.c, logFile)
}

// start starts the container in the background and returns once LXC reports
// it running; failures carry LXC's own error line from the container's log.
func start(c *lxc.Container, logFile string) error {
	ShedInherited()
	offset := fileSize(logFile)
	// liblxc moves the process that starts a container into the
	// container's monitor cgroup; this one goes back where it was, so a
	// failed start leaves no busy cgroup and later starts in this process
	// are not charged to an earlier container.
	if own, err := cgroups.Own(); err == nil {
		defer own.Enter(os.Getpid())
	}
	if err := c.Start(); err != nil {
		if msg := lastError(logFile, offset); msg != "" {
			return fmt.Errorf("liblxc: %s", msg)
		}
		return fmt.Errorf("liblxc: %w", err)
	}
	return nil
}

// Shutdown asks the container's init to stop (SIGPWR) and waits up to
// timeout for it to do so.
func (r Runtime) Shutdown(name string, timeout time.Duration) error {
	c, err := r.open(name)
	if err != nil {
		return err
	}
	defer c.Release()
	if !c.Running() {
		return nil
	}
	if err := c.Shutdown(timeout); err != nil {
		if !c.Running() {
			return nil
		}
		return fmt.Errorf("liblxc: %w", err)
	}
	return nil
}

// Kill stops the container now: every process gets SIGKILL.
func (r Runtime) Kill(name string) error {
	c, err := r.open(name)
	if err != nil {
		return err
	}
	defer c.Release()
	if !c.Running() {
		return nil
	}
	if err := c.Stop(); err != nil && c.Running() {
		return fmt.Errorf("liblxc: %w", err)
	}
	return nil
}

// Stdio are the files an attached command uses.
type Stdio struct {
	Stdin, Stdout, Stderr *os.File
}

func waitStatus(pid int) (int, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, fmt.Errorf("waiting for the attached command: %w", err)
		}
		break
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}

// CgroupV2 reports whether the host runs the unified cgroup hierarchy only,
// which decides how resource limits are spelled.
func CgroupV2() bool {
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		return false
	}
	return st.Type == unix.CGROUP2_SUPER_MAGIC
}

func fileSize(path string) int64 {
	if st, err := os.Stat(path); err == nil {
		return st.Size()
	}
	return 0
}

// lastError returns the message of the last ERROR line LXC logged after
// offset, the most specific of its reasons for a failure.
func lastError(logFile string, offset int64) string {
	if logFile == "" {
		return ""
	}
	f, err := os.Open(logFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		return ""
	}
	var first, last string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, " ERROR ") {
			continue
		}
		// "lxc-start web 2026... ERROR start - ../src/lxc/start.c:start:2197
		// - No such file or directory - Failed to exec "/init"": the parts
		// after the source location are the error and, before it, errno.
		parts := strings.Split(line, " - ")
		msg := line
		for i, p := range parts {
			if strings.Contains(p, ".c:") && i+1 < len(parts) {
				rest := parts[i+1:]
				msg = rest[len(rest)-1]
				if len(rest) > 1 {
					msg += ": " + strings.Join(rest[:len(rest)-1], " - ")
				}
				break
			}
		}
		if first == "" {
			first = msg
		}
		last = msg
	}
	// The first error is the cause; later ones are LXC unwinding.
	if first != "" {
		return first
	}
	return last
}

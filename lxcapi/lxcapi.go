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
	"github.com/nixlxc/nixlxc/internal/oneline"
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

// A container whose config liblxc cannot read (a hand-edited line, a value
// an older nixlxc let through) must still answer for its state and be
// stoppable: liblxc loads the config as it makes a container object and
// fails, printing "Failed to load config" to stderr. Its command socket,
// which state and stop go through, depends only on the LXC path and the
// name. So nixlxc makes the object where no config is (an LXC path that
// holds no container), points it at the real LXC path, and loads the
// config itself only where it is needed: to start, to attach, and for the
// container's own halt signal.

// unloaded is the LXC path, below the real one, where no container is.
const unloaded = ".unloaded"

// open returns the container's object without its config.
func (r Runtime) open(name string) (*lxc.Container, error) {
	c, err := lxc.NewContainer(name, filepath.Join(r.Path, unloaded))
	if err != nil {
		return nil, fmt.Errorf("liblxc: opening %s: %w", name, err)
	}
	if err := c.SetConfigPath(r.Path); err != nil {
		c.Release()
		return nil, fmt.Errorf("liblxc: opening %s: %w", name, err)
	}
	return c, nil
}

// configPath is the container's LXC config file.
func (r Runtime) configPath(name string) string {
	return filepath.Join(r.Path, name, "config")
}

// loadConfig (re)loads the container's config from disk. liblxc logs why a
// config does not load to the file the config itself names, when it gets
// that far, else nowhere: logFile, set first, catches every reason.
func loadConfig(c *lxc.Container, config, logFile string) error {
	c.ClearConfig()
	if logFile != "" {
		c.SetLogFile(logFile)
	}
	offset := fileSize(logFile)
	if err := c.LoadConfigFile(config); err != nil {
		c.ClearConfig()
		if msg := lastError(logFile, offset); msg != "" {
			return fmt.Errorf("liblxc: loading %s: %s", config, msg)
		}
		return fmt.Errorf("liblxc: loading %s: %w", config, err)
	}
	return nil
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

// Handle is an opened container, for a check and an action without opening
// it twice.
type Handle struct {
	c      *lxc.Container
	path   string // the LXC path
	config string
}

// Open opens the container.
func (r Runtime) Open(name string) (*Handle, error) {
	c, err := r.open(name)
	if err != nil {
		return nil, err
	}
	return &Handle{c: c, path: r.Path, config: r.configPath(name)}, nil
}

// State is the container's LXC state.
func (h *Handle) State() string { return h.c.State().String() }

// Close releases the handle.
func (h *Handle) Close() { h.c.Release() }

// Start starts the container with its config as it is on disk now, in the
// background, and returns once LXC reports it running; failures carry
// LXC's own error line from the container's log.
//
// liblxc starts it from nixlxc-helper (see helper.go), from a mount
// namespace in which the config's read-only bind sources are read-only
// mounts (see readonly.go). The config is loaded here first, for liblxc's
// own reading of its mounts, and so that a config liblxc cannot load fails
// with liblxc's reason.
func (h *Handle) Start(logFile string) error {
	if err := loadConfig(h.c, h.config, logFile); err != nil {
		return err
	}
	args := append([]string{h.path, h.c.Name(), h.config, logFile}, lockedSources(bindSources(h.c))...)
	cmd, err := helperCommand("start", args...)
	if err != nil {
		return err
	}
	// liblxc writes its reasons to the log; what the helper says itself
	// is one line on stderr. The monitor, a fork of the helper, keeps
	// none of these files open.
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.WaitDelay = 10 * time.Second
	offset := fileSize(logFile)
	err = cmd.Run()
	switch exitStatus(err) {
	case 0:
		return nil
	case helperNoConfig:
		if msg := lastError(logFile, offset); msg != "" {
			return fmt.Errorf("liblxc: loading %s: %s", h.config, msg)
		}
		return fmt.Errorf("liblxc: loading %s: %w", h.config, lxc.ErrLoadConfigFailed)
	}
	if msg := lastError(logFile, offset); msg != "" {
		return fmt.Errorf("liblxc: %s", msg)
	}
	if msg := strings.TrimPrefix(strings.TrimSpace(stderr.String()), "nixlxc: "); msg != "" {
		return errors.New(oneline.Clean(msg))
	}
	return fmt.Errorf("liblxc: %w (%s)", lxc.ErrStartFailed, err)
}

// helperNoConfig is the helper's exit status for a config that did not load.
const helperNoConfig = 2

// Shutdown asks the container's init to stop and waits up to timeout for
// it to do so. The signal is the config's lxc.signal.halt, or liblxc's
// choice (SIGRTMIN+3 for an init that blocks it, as systemd does, else
// SIGPWR) when the config does not load.
func (r Runtime) Shutdown(name string, timeout time.Duration) error {
	c, err := r.open(name)
	if err != nil {
		return err
	}
	defer c.Release()
	if !c.Running() {
		return nil
	}
	loadConfig(c, r.configPath(name), "")
	if err := c.Shutdown(timeout); err != nil {
		if !c.Running() {
			return nil
		}
		return fmt.Errorf("liblxc: %w", err)
	}
	return nil
}

// Kill stops the container now: init gets SIGKILL, which ends every
// process of its pid namespace. That is what liblxc's stop does by default,
// but liblxc sends the stop signal of the config the container started
// with and waits until the container is gone: a hand-edited lxc.signal.stop
// that init ignores would make it wait forever.
func (r Runtime) Kill(name string) error {
	c, err := r.open(name)
	if err != nil {
		return err
	}
	defer c.Release()
	if !c.Running() {
		return nil
	}
	pidfd, err := c.InitPidFd()
	if err != nil {
		if !c.Running() {
			return nil
		}
		return fmt.Errorf("liblxc: stopping %s: %w", name, err)
	}
	defer pidfd.Close()
	if err := unix.PidfdSendSignal(int(pidfd.Fd()), unix.SIGKILL, nil, 0); err != nil && err != unix.ESRCH {
		return fmt.Errorf("killing %s's init: %w", name, err)
	}
	// A frozen container's processes die only once thawed.
	if c.State() == lxc.FROZEN {
		c.Unfreeze()
	}
	if !c.Wait(lxc.STOPPED, 30*time.Second) {
		return fmt.Errorf("liblxc: %s did not stop after its init was killed", name)
	}
	return nil
}

// Stdio are the files an attached command uses.
type Stdio struct {
	Stdin, Stdout, Stderr *os.File
	// Replace lets Run hand this process over to the attach (exec) when
	// the files are this process's own standard files and not a terminal:
	// Run then returns only when it could not, and the process ends with
	// the command's status. For a caller with nothing left to do but exit
	// with that status (nixlxc run): one process fewer to start and wait
	// for.
	Replace bool
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

// DefaultPath is liblxc's own LXC path (lxc.lxcpath, /var/lib/lxc), where
// containers of other tools live.
func DefaultPath() string { return lxc.DefaultConfigPath() }

// CheckConfigItem asks liblxc whether it can load key = value, on a
// container object that holds no config, before nixlxc writes the line
// anywhere.
func (r Runtime) CheckConfigItem(key, value string) error {
	c, err := lxc.NewContainer("check", filepath.Join(r.Path, unloaded))
	if err != nil {
		return err
	}
	defer c.Release()
	return c.SetConfigItem(key, value)
}

// Version is the version of the liblxc nixlxc is linked with.
func Version() string { return lxc.Version() }

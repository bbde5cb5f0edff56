package lxcapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"time"

	lxc "github.com/lxc/go-lxc"
	"golang.org/x/sys/unix"
)

// A command run inside a container is untrusted: it must not get hold of the
// user's terminal, where TIOCSTI would let it type commands into the host
// shell, and where a process it leaves behind would read what the user
// types after run has returned. So nixlxc never attaches from its own
// process: nixlxc-helper attaches (see helper.go), from a session of its
// own, and the command leads a session of its own too. None of the
// terminal's descriptors crosses: when stdin is the terminal, the command
// gets a pty of the container's own devpts instead, as its controlling
// terminal, for each of stdin, stdout and stderr that is the terminal;
// otherwise a pipe for each of stdout and stderr that is. nixlxc relays
// them while the command runs (relay.go). What is not a terminal (a pipe,
// a file) is handed over as it is.

// Run runs argv inside the running container with a clean environment and
// returns its exit status (127: no such command; 128+N: killed by signal N).
// When ctx ends first, the command gets SIGTERM, then SIGKILL.
func (r Runtime) Run(ctx context.Context, name string, argv, env []string, cwd string, io Stdio) (int, error) {
	if len(argv) == 0 {
		return -1, errors.New("no command to run")
	}
	t := terminals{in: isTerminal(io.Stdin), out: isTerminal(io.Stdout), err: isTerminal(io.Stderr)}
	mode := "0"
	if t.in {
		mode = "1"
	}
	args := append([]string{r.Path, name, r.configPath(name), cwd, mode, strconv.Itoa(len(env))}, env...)
	cmd, err := helperCommand("attach", append(args, argv...)...)
	if err != nil {
		return -1, err
	}
	if io.Replace && !t.any() && ownStdio(io) {
		// The helper keeps this process's session and process group, so
		// the terminal's ^C reaches it, and it passes the signals on; the
		// command still leads a session of its own.
		err := unix.Exec(cmd.Path, cmd.Args, os.Environ())
		return -1, fmt.Errorf("running %s: %w", cmd.Path, err)
	}
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = io.Stdin, io.Stdout, io.Stderr
	// Output nixlxc reads (logs, activation) comes through pipes a process
	// the command left in the container may hold open for ever: once the
	// helper has exited, its output is read for this long, not until EOF.
	cmd.WaitDelay = 2 * time.Second
	if t.any() {
		return r.runRelayed(ctx, cmd, name, io, t)
	}
	if err := cmd.Start(); err != nil {
		return -1, err
	}
	return waitChild(ctx, cmd)
}

// terminals says which of stdin, stdout and stderr are a terminal.
type terminals struct{ in, out, err bool }

func (t terminals) any() bool { return t.in || t.out || t.err }

// ownStdio reports whether io is this process's stdin, stdout and stderr.
func ownStdio(io Stdio) bool {
	return io.Stdin != nil && io.Stdout != nil && io.Stderr != nil &&
		io.Stdin.Fd() == 0 && io.Stdout.Fd() == 1 && io.Stderr.Fd() == 2
}

// waitChild waits for the started helper, passing the signals nixlxc gets
// (a ^C at the terminal, a TERM) on to it, and so to the command: in their
// own sessions, both are out of reach of the terminal's signals. When ctx
// ends the command is stopped: TERM, then KILL.
func waitChild(ctx context.Context, cmd *exec.Cmd) (int, error) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGHUP)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-ctx.Done():
				cmd.Process.Signal(unix.SIGTERM)
				select {
				case <-done:
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
				}
				return
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	if ctx.Err() != nil {
		return -1, fmt.Errorf("the command was stopped: %w", ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(unix.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// runRelayed runs cmd with a pty of the container's own in place of each
// of the user's files that is a terminal, when stdin is one (relayed with
// the terminal raw, resized along with it, so ^C and job control work
// inside), or else a pipe in place of stdout and stderr where they are.
// The relays end when the command does.
func (r Runtime) runRelayed(ctx context.Context, cmd *exec.Cmd, name string, std Stdio, t terminals) (int, error) {
	var outputs []*outputRelay
	var input *inputRelay
	var childEnds []*os.File
	defer func() {
		if input != nil {
			input.stop()
		}
		for _, o := range outputs {
			o.stop()
		}
		for _, f := range childEnds {
			f.Close()
		}
	}()

	if t.in {
		c, err := r.open(name)
		if err != nil {
			return -1, err
		}
		master, slave, err := containerPty(c)
		c.Release()
		if err != nil {
			return -1, fmt.Errorf("allocating a terminal in %s: %w", name, err)
		}
		childEnds = append(childEnds, slave)
		cmd.Stdin = slave
		// The pty's output (the command's, on what was the terminal, and
		// the echo of what the user types) goes to the terminal: stdout if
		// it is one, else stderr, else stdin itself.
		terminal := std.Stdin
		if t.err {
			cmd.Stderr, terminal = slave, std.Stderr
		}
		if t.out {
			cmd.Stdout, terminal = slave, std.Stdout
		}
		outputs = append(outputs, relayOutput(master, terminal))
		copyWinsize(std.Stdin, master)
		restore, err := makeRaw(std.Stdin)
		if err != nil {
			return -1, err
		}
		defer restore()
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, unix.SIGWINCH)
		defer signal.Stop(winch)
		go func() {
			for range winch {
				copyWinsize(std.Stdin, master)
			}
		}()
		if input, err = relayKeys(std.Stdin, master); err != nil {
			return -1, err
		}
	} else {
		for _, p := range []struct {
			is   bool
			std  *os.File
			into *io.Writer
		}{{t.out, std.Stdout, &cmd.Stdout}, {t.err, std.Stderr, &cmd.Stderr}} {
			if !p.is {
				continue
			}
			pr, pw, err := os.Pipe()
			if err != nil {
				return -1, err
			}
			childEnds = append(childEnds, pw)
			outputs = append(outputs, relayOutput(pr, p.std))
			*p.into = pw
		}
	}

	if err := cmd.Start(); err != nil {
		return -1, err
	}
	// Only the helper, and through it the command, holds the child's ends.
	for _, f := range childEnds {
		f.Close()
	}
	childEnds = nil
	return waitChild(ctx, cmd)
}

// containerPty opens a pty pair in the container's devpts instance, through
// the devpts descriptor liblxc keeps: a path inside the container could be
// a symlink the container planted.
func containerPty(c *lxc.Container) (master, slave *os.File, err error) {
	devpts, err := c.DevptsFd()
	if err != nil {
		return nil, nil, err
	}
	defer devpts.Close()
	// Non-blocking: the relay's reads end by deadline (relay.go).
	mfd, err := unix.Openat(int(devpts.Fd()), "ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening ptmx: %w", err)
	}
	master = os.NewFile(uintptr(mfd), "ptmx")
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("unlocking the pty: %w", err)
	}
	// TIOCGPTPEER opens the slave from the master itself, with no path.
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	sfd := int(r)
	if errno != 0 {
		err = errno
		master.Close()
		return nil, nil, fmt.Errorf("opening the pty's slave: %w", err)
	}
	return master, os.NewFile(uintptr(sfd), "pty"), nil
}

func isTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func copyWinsize(from, to *os.File) {
	ws, err := unix.IoctlGetWinsize(int(from.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return
	}
	// Through the raw descriptor: Fd would put a pollable file (the relay's
	// pty) in blocking mode, where its read deadline no longer works.
	if raw, err := to.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) { unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, ws) })
	}
}

// makeRaw puts the user's terminal in raw mode: every key goes to the
// container's pty, whose own line discipline does the cooking.
func makeRaw(f *os.File) (restore func(), err error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	raw := *old
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }, nil
}

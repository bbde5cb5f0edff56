package lxcapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// The container's console is a pty liblxc allocates from the container's
// own devpts instance (lxc.pty.max > 1, which nixlxc sets): the container
// holds its other end as /dev/console, and liblxc's monitor its main
// side, which liblxc hands out on request (console_getfd). nixlxc relays
// that main side to the user's terminal, as it relays run's and login's
// pty: the container never gets a descriptor of the user's terminal, so
// TIOCSTI there types only into its own console.
//
// liblxc's own console loop (lxc_console, go-lxc's Console) is not used:
// it calls setsid() on the calling process, blocks in C through signals
// (a SIGTERM would leave the user's terminal raw), and go-lxc hands it the
// escape key as a letter where liblxc wants its control code (Ctrl-a is 1).

// ConsoleTTY is the console's number among the container's terminals.
const ConsoleTTY = 0

// ErrDetached ends a console session the user detached from.
var ErrDetached = errors.New("detached")

// Console relays the container's console to std until the user types the
// escape key (a control character, e.g. 1 for Ctrl-a) and q, until stdin
// ends, until the container stops, or until ctx ends. At a terminal, the
// terminal is raw while it runs and follows its size.
func (r Runtime) Console(ctx context.Context, name string, std Stdio, escape byte) error {
	c, err := r.open(name)
	if err != nil {
		return err
	}
	fd, err := c.ConsoleFd(ConsoleTTY)
	c.Release()
	if err != nil {
		if !r.running(name) {
			return ErrNotRunning
		}
		return fmt.Errorf("liblxc: the console of %s is not available (is another console attached?): %w", name, err)
	}
	unix.CloseOnExec(fd)
	console := os.NewFile(uintptr(fd), "console")
	defer console.Close()

	if isTerminal(std.Stdin) {
		restore, err := makeRaw(std.Stdin)
		if err != nil {
			return err
		}
		defer restore()
		copyWinsize(std.Stdin, console)
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, unix.SIGWINCH)
		defer signal.Stop(winch)
		go func() {
			for range winch {
				copyWinsize(std.Stdin, console)
			}
		}()
	}
	done := make(chan error, 2)
	go func() {
		// The container's output, raw as login's: the user talks to it.
		_, err := copyChunks(std.Stdout, console)
		done <- err
	}()
	go func() { done <- relayInput(console, std.Stdin, escape) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if errors.Is(err, ErrDetached) || errors.Is(err, io.EOF) || errors.Is(err, unix.EIO) {
		// Detached, stdin ended, or the container's side closed.
		return nil
	}
	return err
}

func (r Runtime) running(name string) bool {
	state, err := r.State(name)
	return err == nil && state == Running
}

// relayInput copies the user's keys to the console until the escape
// sequence, which it keeps (see Escape).
func relayInput(console io.Writer, in io.Reader, escape byte) error {
	e := Escape{Key: escape}
	buf := make([]byte, 1024)
	for {
		n, err := in.Read(buf)
		out, detach := e.Filter(buf[:n])
		if len(out) > 0 {
			if _, werr := console.Write(out); werr != nil {
				return werr
			}
		}
		if detach {
			return ErrDetached
		}
		if err != nil {
			return err
		}
	}
}

// copyChunks copies as io.Copy does, ending with the first error.
func copyChunks(dst io.Writer, src io.Reader) (int64, error) {
	n, err := io.Copy(dst, src)
	if err == nil {
		err = io.EOF
	}
	return n, err
}

// Escape finds the detach sequence in what the user types, as
// lxc-console does: the escape key then q detaches; the escape key twice
// sends it once; the escape key then any other key sends that key.
type Escape struct {
	Key  byte
	seen bool
}

// Filter returns what of in goes to the console, and whether the user
// detached (what follows the sequence is dropped).
func (e *Escape) Filter(in []byte) (out []byte, detach bool) {
	out = make([]byte, 0, len(in))
	for _, b := range in {
		switch {
		case e.seen:
			e.seen = false
			if b == 'q' {
				return out, true
			}
			out = append(out, b)
		case b == e.Key:
			e.seen = true
		default:
			out = append(out, b)
		}
	}
	return out, false
}

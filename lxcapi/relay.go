package lxcapi

import (
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// A relay copies between the user's terminal and what the command in the
// container holds instead of it (a pty of the container's own, or a pipe)
// while the command runs, and not a moment longer: a process the command
// leaves behind keeps its end of the pty or pipe, but once run returns
// nothing the user types reaches it, and nothing it writes reaches the
// user.

// drainLimit bounds what is still read once the command has ended: what it
// wrote before it ended fits in the kernel's buffers; more is a process it
// left behind writing on.
const drainLimit = 1 << 20

// outputRelay copies the command's side of a pty or pipe to dst.
type outputRelay struct {
	src  *os.File // pollable: its deadline ends the copy
	dst  io.Writer
	done chan struct{}
}

func relayOutput(src *os.File, dst io.Writer) *outputRelay {
	o := &outputRelay{src: src, dst: dst, done: make(chan struct{})}
	go o.copy()
	return o
}

func (o *outputRelay) copy() {
	defer close(o.done)
	buf := make([]byte, 32*1024)
	for {
		n, err := o.src.Read(buf)
		o.write(buf[:n])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			o.drain(buf)
			return
		}
		if err != nil {
			// EOF (a pipe's last writer is gone), EIO (a pty's).
			return
		}
	}
}

// write passes output on; when the user's side fails (a closed pipe), the
// rest is dropped, so that the command never blocks on a full buffer.
func (o *outputRelay) write(p []byte) {
	if o.dst != nil && len(p) > 0 {
		if _, err := o.dst.Write(p); err != nil {
			o.dst = nil
		}
	}
}

// drain reads what src holds now, without waiting for more.
func (o *outputRelay) drain(buf []byte) {
	o.src.SetReadDeadline(time.Time{})
	raw, err := o.src.SyscallConn()
	if err != nil {
		return
	}
	for read := 0; read < drainLimit; {
		var n int
		var rerr error
		raw.Read(func(fd uintptr) bool {
			n, rerr = unix.Read(int(fd), buf)
			return true // never wait
		})
		if n <= 0 || rerr != nil {
			return // EAGAIN: nothing more now; EOF, EIO: no writer left
		}
		o.write(buf[:n])
		read += n
	}
}

// stop ends the copy once what the command wrote before it ended is
// passed on, and closes src.
func (o *outputRelay) stop() {
	o.src.SetReadDeadline(time.Now())
	<-o.done
	o.src.Close()
}

// inputRelay copies what the user types to the command's pty.
type inputRelay struct {
	stopR, stopW *os.File
	done         chan struct{}
}

// relayKeys copies src to dst until stop. It waits for src in poll(2)
// beside a pipe that stop closes, so that it never reads a key it would
// no longer pass on, nor passes one on after stop.
func relayKeys(src *os.File, dst io.Writer) (*inputRelay, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	in := &inputRelay{stopR: r, stopW: w, done: make(chan struct{})}
	fds := []unix.PollFd{{Fd: int32(src.Fd()), Events: unix.POLLIN}, {Fd: int32(r.Fd()), Events: unix.POLLIN}}
	go func() {
		defer close(in.done)
		buf := make([]byte, 4096)
		for {
			fds[0].Revents, fds[1].Revents = 0, 0
			if _, err := unix.Poll(fds, -1); err != nil {
				if err == unix.EINTR {
					continue
				}
				return
			}
			if fds[1].Revents != 0 {
				return
			}
			n, err := unix.Read(int(fds[0].Fd), buf)
			if n > 0 {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
			if n == 0 || (err != nil && err != unix.EINTR && err != unix.EAGAIN) {
				return // the user's side ended
			}
		}
	}()
	return in, nil
}

func (in *inputRelay) stop() {
	in.stopW.Close()
	<-in.done
	in.stopR.Close()
}

package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nixlxc/nixlxc/internal/oneline"
	"github.com/nixlxc/nixlxc/lxcapi"
)

// LogOptions are logs' choices.
type LogOptions struct {
	// Lines is how many lines of the end of each log to show; 0: all.
	Lines int
	// Follow goes on showing lines as they are written, until ctx ends.
	Follow bool
}

// Logs writes the container's console log (what its init and services
// print on the console, which liblxc records in console.log) and, while it
// runs a system with a journal, its journal (journalctl run inside). Every
// line is the container's text: cleaned (escape sequences and other
// controls gone) before it reaches out. With Follow, lines from both come
// as they are written, until ctx ends, which is no error.
func (m *Manager) Logs(ctx context.Context, name string, o LogOptions, out io.Writer) error {
	if _, err := m.recs.load(name); err != nil && !errors.Is(err, ErrCorrupt) {
		return err
	}
	var mu sync.Mutex
	lines := func() *oneline.Writer {
		return oneline.NewLineWriter(func(l string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(out, l)
		})
	}
	console := lines()
	defer console.Flush()
	f, err := openConsoleLog(m.paths.consolePath(name))
	if err != nil {
		return err
	}
	if f != nil {
		defer f.Close()
		if err := writeTail(f, o.Lines, console); err != nil {
			return err
		}
	}
	running := false
	if state, err := m.lxc.State(name); err == nil && state == lxcapi.Running {
		running = true
	}
	if !o.Follow {
		console.Flush()
		if running {
			return journal(ctx, m.lxc, name, o, lines())
		}
		return nil
	}
	var wg sync.WaitGroup
	var journalErr error
	if running {
		wg.Add(1)
		go func() {
			defer wg.Done()
			journalErr = journal(ctx, m.lxc, name, o, lines())
		}()
	}
	followConsole(ctx, m.paths.consolePath(name), f, console)
	wg.Wait()
	if ctx.Err() != nil {
		// Following ends when the user stops it.
		return nil
	}
	return journalErr
}

// openConsoleLog opens the console log, never through a symlink; none yet
// (a container never started) is no error.
func openConsoleLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return f, nil
}

// writeTail writes the last n lines of f (all if n is 0) and leaves f at
// its end. liblxc keeps the log small (lxc.console.size), so it is read
// whole.
func writeTail(f *os.File, n int, w io.Writer) error {
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	_, err = w.Write(lastLines(data, n))
	return err
}

// lastLines is the last n lines of data (all if n is 0); an unfinished
// last line counts as one.
func lastLines(data []byte, n int) []byte {
	if n <= 0 {
		return data
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end--
	}
	for i := 0; i < n; i++ {
		j := bytes.LastIndexByte(data[:end], '\n')
		if j < 0 {
			return data
		}
		end = j
	}
	return data[end+1:]
}

// followConsole writes what is added to the console log until ctx ends,
// reopening it when liblxc rotates it (a new file under the name) or when
// it appears (a container's first start).
func followConsole(ctx context.Context, path string, first *os.File, w io.Writer) {
	f := first // the caller closes the first; this closes those it opens
	defer func() {
		if f != nil && f != first {
			f.Close()
		}
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	buf := make([]byte, 32<<10)
	for {
		if f != nil {
			for {
				n, err := f.Read(buf)
				w.Write(buf[:n])
				if n == 0 || err != nil {
					break
				}
			}
			if replaced(f, path) {
				if f != first {
					f.Close()
				}
				f = nil
			}
		}
		if f == nil {
			// From its start: everything in a new log is new.
			if f, _ = openConsoleLog(path); f != nil {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// replaced reports whether the file at path is no longer f, or f has been
// cut shorter than what was read of it.
func replaced(f *os.File, path string) bool {
	st, err := os.Lstat(path)
	if err != nil {
		return true
	}
	fst, err := f.Stat()
	if err != nil || !os.SameFile(st, fst) {
		return true
	}
	off, err := f.Seek(0, io.SeekCurrent)
	return err == nil && fst.Size() < off
}

// journal writes the end of the journal of the container's system, read
// by journalctl inside; a system without one (no journalctl) writes
// nothing.
func journal(ctx context.Context, lxc runtime, name string, o LogOptions, w *oneline.Writer) error {
	argv := []string{"journalctl", "--no-pager", "-n", "all"}
	if o.Lines > 0 {
		argv[3] = strconv.Itoa(o.Lines)
	}
	if o.Follow {
		argv = append(argv, "-f")
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	// Its error output is kept apart: a system without journalctl says so
	// there, and that is no log line.
	var stderr bytes.Buffer
	er, ew, err := os.Pipe()
	if err != nil {
		pr.Close()
		pw.Close()
		return err
	}
	copied := make(chan struct{}, 2)
	go func() { io.Copy(w, pr); pr.Close(); copied <- struct{}{} }()
	go func() {
		io.Copy(&stderr, io.LimitReader(er, 64<<10))
		io.Copy(io.Discard, er)
		er.Close()
		copied <- struct{}{}
	}()
	status, err := lxc.Run(ctx, name, argv, env(), "/", Stdio{Stdin: devnull, Stdout: pw, Stderr: ew})
	pw.Close()
	ew.Close()
	// A process journalctl left in the container may hold the pipes open
	// for ever: once it has ended, what it wrote is read for a while, and
	// then the pipes are closed.
	grace := time.After(2 * time.Second)
	for n := 0; n < 2; n++ {
		select {
		case <-copied:
		case <-grace:
			pr.Close()
			er.Close()
			<-copied
		}
	}
	w.Flush()
	switch {
	case ctx.Err() != nil && o.Follow:
		return nil
	case err != nil:
		return fmt.Errorf("reading the journal of %s: %w", name, err)
	case status == 127:
		return nil
	case status != 0:
		return fmt.Errorf("reading the journal of %s: journalctl exited with status %d: %s", name, status, oneline.Clean(stderr.String()))
	}
	return nil
}

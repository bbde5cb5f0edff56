// Package inputfile reads the files people hand nixlxc (host.json, the
// subordinate id files) and checks the ones Nix reads for it (config files):
// regular files only. Opening a FIFO for reading waits for a writer, and a
// device can be read forever, so either would hang nixlxc, or Nix.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// ErrNotRegular is the error for a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// MaxSize bounds what Read reads: these are small settings files.
const MaxSize = 16 << 20

// Read reads a regular file. A FIFO or device is refused without waiting
// for it (it is opened non-blocking, then looked at); a missing file is
// an error satisfying errors.Is(err, fs.ErrNotExist).
func Read(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (a %s)", path, ErrNotRegular, Kind(st.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxSize)
	}
	return data, nil
}

// Check reports whether path is a regular file, following symlinks as
// whoever reads it will.
func Check(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (a %s)", path, ErrNotRegular, Kind(st.Mode()))
	}
	return nil
}

// Kind names a file's type for an error: "FIFO", "device node"...
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeDevice != 0:
		return "device node"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

// Package lock serializes read-modify-write work on one thing (a container, a
// Nix profile, the host's network) across processes with flock(2).
//
// The protocol is the one Nix uses for profile locks (PathLocks), so nixlxc and
// nix-env exclude each other on the same profile: lock PATH, then check that
// the lock file is still the one at PATH and has not been marked stale (a
// non-empty file) by a holder that deleted it. A holder may delete the file on
// release; waiters then retry on the new file.
package lock

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// File is a held lock.
type File struct {
	f    *os.File
	path string
}

// Acquire blocks until it holds the lock at path, or ctx is done.
func Acquire(ctx context.Context, path string) (*File, error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("opening lock %s: %w", path, err)
		}
		if err := flockContext(ctx, f); err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if current(f, path) {
			return &File{f: f, path: path}, nil
		}
		f.Close() // stale: the holder deleted it; lock the new one
	}
}

// TryAcquire takes the lock if it is free and reports whether it did.
func TryAcquire(path string) (*File, bool, error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, false, fmt.Errorf("opening lock %s: %w", path, err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			if err == unix.EWOULDBLOCK {
				return nil, false, nil
			}
			return nil, false, fmt.Errorf("locking %s: %w", path, err)
		}
		if current(f, path) {
			return &File{f: f, path: path}, true, nil
		}
		f.Close()
	}
}

// waiting is called each time a waiter finds the lock held; tests use it
// to know a waiter is waiting.
var waiting = func() {}

// flockContext waits for the lock in small steps so a cancelled context (or a
// timeout) ends the wait; flock itself cannot be interrupted portably.
func flockContext(ctx context.Context, f *os.File) error {
	delay := time.Millisecond
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if err != unix.EWOULDBLOCK {
			return err
		}
		waiting()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// current reports whether the locked file is still the live lock at path.
func current(f *os.File, path string) bool {
	var held, now unix.Stat_t
	if unix.Fstat(int(f.Fd()), &held) != nil || held.Size != 0 {
		return false
	}
	if unix.Stat(path, &now) != nil {
		return false
	}
	return held.Dev == now.Dev && held.Ino == now.Ino
}

// Release lets the next waiter in.
func (l *File) Release() error {
	return l.f.Close()
}

// ReleaseAndRemove deletes the lock file and then releases it, marking the
// file stale first so a process already waiting on it retries.
func (l *File) ReleaseAndRemove() error {
	err := os.Remove(l.path)
	if err != nil && !os.IsNotExist(err) {
		l.f.Close()
		return err
	}
	_, _ = l.f.Write([]byte("d"))
	return l.f.Close()
}

// With runs fn while holding the lock at path.
func With(ctx context.Context, path string, fn func() error) error {
	l, err := Acquire(ctx, path)
	if err != nil {
		return err
	}
	defer l.Release()
	return fn()
}

// Held reports whether some process holds the lock at path now.
func Held(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
	if err == nil {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return false
	}
	return err == syscall.EWOULDBLOCK
}

package main

import (
	"context"
	"os"
	"os/signal"
	"sync"

	"golang.org/x/sys/unix"
)

// interruption turns SIGINT, SIGTERM and SIGHUP into a cancelled context,
// so a command handles them like any failure: what it did is undone (the
// reverters run), then nixlxc exits 128+N. Only SIGKILL leaves work for
// doctor.
type interruption struct {
	mu     sync.Mutex
	signal unix.Signal
	stop   func()
}

func interruptible(parent context.Context) (context.Context, *interruption) {
	ctx, cancel := context.WithCancel(parent)
	in := &interruption{}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			in.mu.Lock()
			in.signal = s.(unix.Signal)
			in.mu.Unlock()
			cancel()
		case <-done:
		}
	}()
	// The handler stays installed until the program exits: a second ^C
	// must not cut a revert short.
	in.stop = func() { close(done); cancel() }
	return ctx, in
}

// received is the signal that interrupted the command, if any.
func (in *interruption) received() (unix.Signal, bool) {
	if in == nil {
		return 0, false
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.signal, in.signal != 0
}

// passesSignals names the commands whose signals belong to the command
// they run inside the container (^C interrupts what runs there, not
// nixlxc).
var passesSignals = map[string]bool{"run": true, "login": true}

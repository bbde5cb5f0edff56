// Command nixlxc manages unprivileged LXC containers whose NixOS system is
// built by Nix. Each command lives in its own file and only reads its flags,
// calls package container and prints; main alone prints errors and exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/nixlxc/nixlxc/internal/oneline"

	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/lxcapi"
	"golang.org/x/sys/unix"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2 // bad arguments, names or config files
	exitNotFound = 3 // no such container or generation
	exitExists   = 4 // the container already exists
	exitState    = 5 // running when it must be stopped, or the reverse
	exitActivate = 6 // the new system did not activate cleanly
	exitNix      = 7 // Nix could not evaluate or build the configuration, or is too old for the nixpkgs
)

func main() {
	// Nothing the caller holds open may reach a container (see lxcapi).
	lxcapi.ShedInherited()
	// A reader that went away (nixlxc create ... | head -1) must not kill
	// nixlxc half-way, as SIGPIPE would, leaving a half-made container:
	// with SIGPIPE notified, a write to the closed pipe fails (EPIPE), the
	// output is lost and the command carries on to its end. Children get
	// the default disposition back at exec.
	signal.Notify(make(chan os.Signal, 1), unix.SIGPIPE)
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run is the whole program, for tests to call in-process.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	line, err := parseCommandLine(app, args)
	if err == nil {
		err = line.checkValues()
	}
	if err == nil {
		ctx := context.Background()
		var in *interruption
		if len(line.path) == 0 || !passesSignals[line.path[0].Name] {
			ctx, in = interruptible(ctx)
			defer in.stop()
		}
		err = app.RunContext(ctx, line.argv(args[0]))
		if sig, ok := in.received(); ok && err != nil {
			fmt.Fprintf(stderr, "nixlxc: interrupted by %s: %s\n", unix.SignalName(sig), oneline.Clean(err.Error()))
			return 128 + int(sig)
		}
	}
	if err == nil {
		return exitOK
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	if errors.Is(err, unix.EPIPE) {
		// The reader went away (nixlxc status web | head -3): nothing to
		// say to it, and the shell's code for it.
		return 128 + int(unix.SIGPIPE)
	}
	fmt.Fprintf(stderr, "nixlxc: %s\n", oneline.Clean(err.Error()))
	if detail := container.Detail(err); verbose(args) && detail != "" {
		fmt.Fprintf(stderr, "\nNix's output:\n%s\n", strings.TrimRight(detail, "\n"))
	}
	return exitCodeOf(err)
}

func exitCodeOf(err error) int {
	var usage usageError
	if errors.As(err, &usage) {
		return exitUsage
	}
	switch container.KindOf(err) {
	case container.KindBuild:
		return exitNix
	case container.KindInvalid:
		return exitUsage
	case container.KindNotFound:
		return exitNotFound
	case container.KindExists:
		return exitExists
	case container.KindState:
		return exitState
	case container.KindActivate:
		return exitActivate
	}
	return exitError
}

// exitCode ends the program with a status and no message (run's pass-through,
// exists' answer).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

func verbose(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-v" || a == "--verbose" {
			return true
		}
	}
	return false
}

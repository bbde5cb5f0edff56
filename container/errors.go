package container

import (
	"errors"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/nixlxc/nixlxc/spec"
)

// Errors of this package's own making, tested with errors.Is.
var (
	ErrNotFound     = errors.New("no such container")
	ErrNoGeneration = errors.New("no such generation")
	ErrExists       = errors.New("container already exists")
	ErrRunning      = errors.New("container is running")
	ErrStopped      = errors.New("container is not running")
	ErrInvalid      = spec.ErrInvalid
	ErrActivate     = errors.New("activation failed")
	ErrCorrupt      = errors.New("unreadable record")
	// ErrDeclared marks a declared container a command refuses to
	// remove: apply would make it again.
	ErrDeclared = errors.New("declared container")
)

// Kind is the class of a failure, the one taxonomy callers map (the command
// line: to exit codes). KindOf sorts every error this package returns,
// whatever package it came from, into one.
type Kind int

const (
	KindOther    Kind = iota // anything else
	KindInvalid              // bad input: a name, a setting, a config file, an argument
	KindNotFound             // no such container or generation
	KindExists               // the container (or what it needs) exists already
	KindState                // running when it must be stopped, or the reverse
	KindActivate             // the new system did not activate cleanly
	KindBuild                // Nix could not evaluate or build the system, or is too old
)

// KindOf classifies err.
func KindOf(err error) Kind {
	var nerr *nixsys.Error
	switch {
	case err == nil:
		return KindOther
	case errors.As(err, &nerr), errors.Is(err, nixsys.ErrTooOld):
		return KindBuild
	case errors.Is(err, ErrInvalid), errors.Is(err, lxcconf.ErrInvalid), errors.Is(err, bridges.ErrInvalid),
		errors.Is(err, generations.ErrBadSpec), errors.Is(err, generations.ErrCurrent):
		return KindInvalid
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrNoGeneration),
		errors.Is(err, generations.ErrNoGeneration), errors.Is(err, generations.ErrNoOlder):
		return KindNotFound
	case errors.Is(err, ErrExists), errors.Is(err, bridges.ErrOtherInstallation):
		return KindExists
	case errors.Is(err, ErrRunning), errors.Is(err, ErrStopped):
		return KindState
	case errors.Is(err, ErrActivate):
		return KindActivate
	}
	return KindOther
}

// Detail is the full output behind a one-line error, when there is one
// (Nix's, for a failed build), for users who ask for it.
func Detail(err error) string {
	var nerr *nixsys.Error
	if errors.As(err, &nerr) {
		return nerr.Detail()
	}
	return ""
}

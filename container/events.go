package container

import (
	"fmt"
	"sync"
)

// Event is one step of a command, or something it found, for the caller
// to show: one line of text about a container (or the host, Container
// empty). Text a container wrote is cleaned before it is put in an event.
type Event struct {
	Container string    `json:"container,omitempty"`
	Kind      EventKind `json:"kind"`
	Text      string    `json:"text"`
	// Build is where a build stands, in build events.
	Build *BuildState `json:"build,omitempty"`
}

// EventKind says what an event is.
type EventKind string

const (
	Progress EventKind = "progress" // a step of the command
	Note     EventKind = "note"     // something worth knowing
	Warning  EventKind = "warning"  // something went wrong, and the command went on
	Output   EventKind = "output"   // a line the container printed (its activation)

	// A build (buildprogress.go). Text is a line to print where no live
	// status is shown, or "".
	BuildStatus EventKind = "build"      // where the build stands (Build); Build.Finished ends it
	BuildLog    EventKind = "build-log"  // a line of a builder's log (Build.Derivation's)
	BuildTail   EventKind = "build-tail" // a line of the end of a failed builder's log
)

// emit sends an event to the caller.
func (m *Manager) emit(kind EventKind, container, format string, args ...any) {
	m.events(Event{Container: container, Kind: kind, Text: fmt.Sprintf(format, args...)})
}

// serialize makes events arrive one at a time, whichever goroutine (the
// activation relay, autostart's parallel starts) sends them.
func serialize(fn func(Event)) func(Event) {
	var mu sync.Mutex
	return func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		fn(e)
	}
}

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
}

// EventKind says what an event is.
type EventKind string

const (
	Progress EventKind = "progress" // a step of the command
	Note     EventKind = "note"     // something worth knowing
	Warning  EventKind = "warning"  // something went wrong, and the command went on
	Output   EventKind = "output"   // a line the container printed (its activation)
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

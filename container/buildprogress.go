package container

import (
	"fmt"

	"github.com/nixlxc/nixlxc/nixsys"
)

// BuildState is where a build stands: what Nix has built and has still to
// build, and what it is doing now.
type BuildState struct {
	// Derivation is the derivation begun last ("" while Nix evaluates),
	// Phase its builder's phase, LastLine the last line of its log.
	Derivation string `json:"derivation,omitempty"`
	Phase      string `json:"phase,omitempty"`
	LastLine   string `json:"lastLine,omitempty"`
	// Fetching: Derivation is a store path fetched from a cache, not built.
	Fetching bool `json:"fetching,omitempty"`
	Built    int  `json:"built"`
	ToBuild  int  `json:"toBuild"`
	Failed   int  `json:"failed,omitempty"`
	Fetched  int  `json:"fetched,omitempty"`
	ToFetch  int  `json:"toFetch,omitempty"`
	// Finished marks the build's last event: it succeeded or failed.
	Finished bool `json:"finished,omitempty"`
}

// buildReporter turns what Nix reports during one build into events.
type buildReporter struct {
	emit  func(Event)
	name  string // the container's
	state BuildState
}

func newBuildReporter(emit func(Event), name string) *buildReporter {
	return &buildReporter{emit: emit, name: name}
}

// begin: Nix evaluates before it builds anything.
func (r *buildReporter) begin() { r.status("") }

// end: the build is over.
func (r *buildReporter) end() {
	r.state.Finished = true
	r.status("")
}

func (r *buildReporter) progress(p nixsys.Progress) {
	switch p.Kind {
	case nixsys.BuildStarted, nixsys.Fetching:
		r.state.Derivation, r.state.Phase, r.state.LastLine = p.Derivation, "", ""
		r.state.Fetching = p.Kind == nixsys.Fetching
		verb := "building"
		if r.state.Fetching {
			verb = "fetching"
		}
		text := fmt.Sprintf("%s: %s %s", r.name, verb, p.Derivation)
		if r.state.ToBuild > 0 {
			text += fmt.Sprintf(" (%d of %d built)", r.state.Built, r.state.ToBuild)
		}
		r.status(text)
	case nixsys.BuildLog:
		if p.Derivation == r.state.Derivation {
			r.state.LastLine = p.Line
		}
		r.emit(Event{Container: r.name, Kind: BuildLog, Text: p.Line, Build: &BuildState{Derivation: p.Derivation}})
		// The live status shows the line too.
		r.status("")
	case nixsys.BuildPhase:
		if p.Derivation == r.state.Derivation {
			r.state.Phase = p.Phase
			r.status("")
		}
	case nixsys.Counts:
		c := p.Counts
		r.state.Built, r.state.ToBuild, r.state.Failed = c.Built, c.ToBuild, c.Failed
		r.state.Fetched, r.state.ToFetch = c.Fetched, c.ToFetch
		r.status("")
	case nixsys.Message:
		r.emit(Event{Container: r.name, Kind: Note, Text: p.Line})
	case nixsys.BuildFailed:
		for _, l := range p.Tail {
			r.emit(Event{Container: r.name, Kind: BuildTail, Text: l, Build: &BuildState{Derivation: p.Derivation}})
		}
	}
}

func (r *buildReporter) status(text string) {
	s := r.state
	r.emit(Event{Container: r.name, Kind: BuildStatus, Text: text, Build: &s})
}

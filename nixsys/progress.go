package nixsys

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/nixlxc/nixlxc/internal/oneline"
)

// A build's progress: nix-build reports it on stderr as JSON lines when
// asked for `--log-format internal-json` (Nix 2.x, nix-build included, as
// the new CLI's progress bar reads it), one "@nix {...}" line per event:
// activities that start and stop (a derivation's build, a download) and
// their results (a line of a builder's log, counts). nixsys turns them into
// typed events; the text Nix would have printed is rebuilt alongside, for
// the error and --verbose.

// ProgressKind says what a Progress reports.
type ProgressKind int

const (
	// BuildStarted: a derivation's builder began (Derivation).
	BuildStarted ProgressKind = iota + 1
	// Fetching: a store path is being fetched from a substituter.
	Fetching
	// BuildLog: a line of a builder's log (Derivation, Line).
	BuildLog
	// BuildPhase: a builder entered a phase (stdenv's buildPhase...).
	BuildPhase
	// Counts: how many derivations are built and to build, how many
	// paths fetched and to fetch (Counts).
	Counts
	// Message: a warning or trace Nix printed (Line).
	Message
	// BuildFailed: a derivation's builder failed; Tail is the end of its
	// log, which explains it.
	BuildFailed
)

// Progress is one thing Nix reported during a build. Text in it is made
// printable: builders print what they like.
type Progress struct {
	Kind ProgressKind
	// Derivation names the derivation (its store name: "nixos-system-web")
	// or, for Fetching, the store path's name.
	Derivation string
	Line       string // BuildLog, Message: one line
	Phase      string // BuildPhase
	Counts     BuildCounts
	Tail       []string // BuildFailed
}

// BuildCounts are Nix's running totals.
type BuildCounts struct {
	Built, ToBuild, Building, Failed int
	Fetched, ToFetch                 int
}

// tailLines is how much of a failed builder's log explains the failure, as
// Nix's own "last 10 log lines".
const tailLines = 10

// Nix's activity and result types (libutil/logging.hh), stable since 2.0.
const (
	actCopyPath   = 100
	actCopyPaths  = 103
	actBuilds     = 104
	actBuild      = 105
	actSubstitute = 108

	resBuildLogLine     = 101
	resSetPhase         = 104
	resProgress         = 105
	resPostBuildLogLine = 107
)

// Nix's verbosity levels: messages at these are shown.
const (
	lvlError = 0
	lvlWarn  = 1
)

type jsonEvent struct {
	Action string            `json:"action"`
	ID     uint64            `json:"id"`
	Level  int               `json:"level"`
	Type   int               `json:"type"`
	Text   string            `json:"text"`
	Msg    string            `json:"msg"`
	Fields []json.RawMessage `json:"fields"`
}

// progressLog reads nix-build's stderr in internal-json, line by line: it
// reports what happens and keeps the text Nix would have printed.
type progressLog struct {
	report func(Progress)
	// types: activity id to its type; building: to the store path of
	// the derivation it builds.
	types    map[uint64]int
	building map[uint64]string
	tails    map[string]*tail // by derivation store path
	counts   BuildCounts
	text     strings.Builder
	// failed are the derivations whose builders failed, in order.
	failed []string
}

func newProgressLog(report func(Progress)) *progressLog {
	if report == nil {
		report = func(Progress) {}
	}
	return &progressLog{report: report, types: map[uint64]int{}, building: map[uint64]string{}, tails: map[string]*tail{}}
}

// Compiled on first use: most commands never build.
var (
	ansiColour   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("\x1b\\[[0-9;]*m") })
	builderError = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`builder for '(/nix/store/[^']+\.drv)' failed`)
	})
)

// line takes one line of stderr.
func (p *progressLog) line(l string) {
	payload, ok := strings.CutPrefix(l, "@nix ")
	if !ok {
		// Not an event: a builder or hook that wrote to Nix's stderr, or
		// a Nix that ignores the log format. Kept as it is.
		p.text.WriteString(l + "\n")
		return
	}
	var e jsonEvent
	if json.Unmarshal([]byte(payload), &e) != nil {
		p.text.WriteString(l + "\n")
		return
	}
	switch e.Action {
	case "msg":
		p.message(e)
	case "start":
		p.start(e)
	case "stop":
		delete(p.types, e.ID)
		delete(p.building, e.ID)
	case "result":
		p.result(e)
	}
}

func (p *progressLog) message(e jsonEvent) {
	// The text as Nix prints it, without its colours (Summary reads it).
	msg := ansiColour().ReplaceAllString(e.Msg, "")
	p.text.WriteString(msg + "\n")
	if m := builderError().FindStringSubmatch(msg); m != nil {
		// Nix leaves a failed build's log out of the message when it
		// logs in JSON (the reader has the lines); put it back, in Nix's
		// own layout, for the error and --verbose.
		drv := m[1]
		lines := p.tails[drv].lines()
		if len(lines) > 0 {
			fmt.Fprintf(&p.text, "       last %d log lines:\n", len(lines))
			for _, ll := range lines {
				p.text.WriteString("       > " + ll + "\n")
			}
		}
		p.failed = append(p.failed, drv)
		p.report(Progress{Kind: BuildFailed, Derivation: storeName(drv), Tail: lines})
		return
	}
	switch {
	case e.Level == lvlWarn, e.Level == lvlError && strings.HasPrefix(msg, "trace: "):
		// builtins.trace prints at the error level; NixOS's warnings
		// are traces. Other error-level messages are the error itself.
		for _, l := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
			p.report(Progress{Kind: Message, Line: oneline.Printable(l)})
		}
	}
}

func (p *progressLog) start(e jsonEvent) {
	p.types[e.ID] = e.Type
	switch e.Type {
	case actBuild:
		var drv string
		if len(e.Fields) > 0 && json.Unmarshal(e.Fields[0], &drv) == nil {
			p.building[e.ID] = drv
			p.tails[drv] = &tail{}
			p.text.WriteString(fmt.Sprintf("building '%s'...\n", drv))
			p.report(Progress{Kind: BuildStarted, Derivation: storeName(drv)})
		}
	case actSubstitute, actCopyPath:
		var path string
		if len(e.Fields) > 0 && json.Unmarshal(e.Fields[0], &path) == nil {
			if e.Text != "" {
				p.text.WriteString(ansiColour().ReplaceAllString(e.Text, "") + "\n")
			}
			if e.Type == actSubstitute {
				p.report(Progress{Kind: Fetching, Derivation: storeName(path)})
			}
		}
	}
}

func (p *progressLog) result(e jsonEvent) {
	switch e.Type {
	case resBuildLogLine, resPostBuildLogLine:
		drv, ok := p.building[e.ID]
		var l string
		if !ok || len(e.Fields) == 0 || json.Unmarshal(e.Fields[0], &l) != nil {
			return
		}
		l = strings.TrimRight(oneline.Printable(l), " ")
		p.tails[drv].add(l)
		p.text.WriteString(storeName(drv) + "> " + l + "\n")
		p.report(Progress{Kind: BuildLog, Derivation: storeName(drv), Line: l})
	case resSetPhase:
		drv, ok := p.building[e.ID]
		var phase string
		if ok && len(e.Fields) > 0 && json.Unmarshal(e.Fields[0], &phase) == nil {
			p.report(Progress{Kind: BuildPhase, Derivation: storeName(drv), Phase: oneline.Clean(phase)})
		}
	case resProgress:
		var n [4]int
		for i := range n {
			if i < len(e.Fields) {
				json.Unmarshal(e.Fields[i], &n[i])
			}
		}
		// The result's own activity says what it counts: only the
		// totals (builds, paths copied) are reported, not each download.
		switch p.types[e.ID] {
		case actBuilds:
			p.counts.Built, p.counts.ToBuild, p.counts.Building, p.counts.Failed = n[0], n[1], n[2], n[3]
		case actCopyPaths:
			p.counts.Fetched, p.counts.ToFetch = n[0], n[1]
		default:
			return
		}
		p.report(Progress{Kind: Counts, Counts: p.counts})
	}
}

// storeName is a store path's name: its base without the hash and .drv.
func storeName(path string) string {
	base := path[strings.LastIndexByte(path, '/')+1:]
	if _, name, ok := strings.Cut(base, "-"); ok {
		base = name
	}
	return oneline.Clean(strings.TrimSuffix(base, ".drv"))
}

// tail is the last lines of a log.
type tail struct{ buf []string }

func (t *tail) add(l string) {
	if len(t.buf) == tailLines {
		t.buf = append(t.buf[:0], t.buf[1:]...)
	}
	t.buf = append(t.buf, l)
}

func (t *tail) lines() []string {
	if t == nil {
		return nil
	}
	return append([]string(nil), t.buf...)
}

package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/health"
	"github.com/nixlxc/nixlxc/internal/oneline"

	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/lxcapi"
)

// activation moves a container between its generations: it makes a
// generation current, switches a running container to its system in
// place (switch-to-configuration inside), judges the result with
// systemd's own view of its health, and settles the host's records on
// what it activated.
type activation struct {
	m *Manager
}

func (m *Manager) act() *activation { return &activation{m: m} }

// activate makes generation n, already the profile's current one, take
// effect: its settings are recorded and its LXC config written; a running
// container switches to its system in place. Whatever happens, the profile
// ends up pointing at the system that is actually active.
func (a *activation) activate(ctx context.Context, next *record, prev generations.Generation, n int, o UpdateOptions) error {
	name := next.Name
	if err := a.m.recs.save(next); err != nil {
		return err
	}
	if err := a.m.cfg.writeNetworked(next, next.Settings); err != nil {
		return err
	}
	state, err := a.m.lxc.State(name)
	if err != nil {
		return err
	}
	if state != lxcapi.Running {
		a.m.emit(Progress, name, "%s: generation %d is current; it boots at the next start", name, n)
		return nil
	}
	if old := generationSettings(prev.Path, next.Settings); old.Limits != next.Settings.Limits || old.LXCExtraConfig != next.Settings.LXCExtraConfig || !slices.Equal(old.BindMounts, next.Settings.BindMounts) {
		a.m.emit(Note, name, "%s: the new limits, bind mounts and extra LXC config apply from the next start (LXC applies them when it starts a container)", name)
	}
	gens, err := a.m.paths.profile(name).List()
	if err != nil {
		return err
	}
	target, err := generations.Find(gens, n)
	if err != nil {
		return err
	}

	a.m.emit(Progress, name, "%s: activating generation %d in place", name, n)
	before, problem := a.switchSystem(ctx, name, target.Path)
	if !errors.Is(problem, errNotRun) {
		// The new system's activation ran, whatever it did: from now on
		// it is what runs there, by nixlxc's own account.
		next.Active = target.Path
	}
	if problem == nil && o.AutoRollback {
		problem = a.waitHealthy(ctx, name, before, o.HealthTimeout)
	}
	if problem == nil {
		a.m.emit(Progress, name, "%s: generation %d is active", name, n)
		return a.m.recs.save(next)
	}

	if o.AutoRollback {
		a.m.emit(Warning, name, "%s: generation %d failed (%v); rolling back to generation %d", name, n, problem, prev.Number)
		if err := a.m.recs.switchProfile(ctx, name, prev.Number); err != nil {
			return err
		}
		_, back := a.switchSystem(ctx, name, prev.Path)
		if !errors.Is(back, errNotRun) {
			next.Active = prev.Path
		}
		if err := a.settle(ctx, next, gens); err != nil {
			return err
		}
		if back != nil {
			return fmt.Errorf("%w: %s: generation %d failed (%v), and re-activating generation %d failed too (%v)", ErrActivate, name, n, problem, prev.Number, back)
		}
		return fmt.Errorf("%w: %s: generation %d failed (%v); rolled back to generation %d, which is active", ErrActivate, name, n, problem, prev.Number)
	}
	if err := a.settle(ctx, next, gens); err != nil {
		return err
	}
	active, _ := a.m.recs.current(name)
	return fmt.Errorf("%w: %s: generation %d: %v; generation %d is active", ErrActivate, name, n, problem, active.Number)
}

// errNotRun marks an activation that could not even be started in the
// container: what ran there before still does.
var errNotRun = errors.New("could not run switch-to-configuration")

// DefaultActivationTimeout bounds a switch-to-configuration: the container
// runs it, and must not be able to hold a command (and its lock) forever.
const DefaultActivationTimeout = 15 * time.Minute

// switchSystem runs system's switch-to-configuration inside the container
// and says what went wrong, if anything. It returns the units that had
// failed before the switch too, for waitHealthy: NixOS's switch retries
// failed units and exits 4 when they fail again, and a container that was
// degraded for an old reason has not failed its update.
func (a *activation) switchSystem(ctx context.Context, name, system string) (before []string, problem error) {
	before = a.failedUnits(ctx, name)
	// Once begun, an activation runs to its end: stopping it half-way
	// (a ^C) would leave the container between two systems.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultActivationTimeout)
	defer cancel()
	status, output, err := a.runCaptured(ctx, name, []string{filepath.Join(system, "bin", "switch-to-configuration"), "switch"})
	if err != nil {
		return before, fmt.Errorf("%w: %v", errNotRun, err)
	}
	switch status {
	case 0:
		return before, nil
	case 4:
		failed := a.failedUnits(ctx, name)
		if fresh := health.NewFailures(failed, before); len(fresh) > 0 {
			return before, fmt.Errorf("switch-to-configuration exited 4, units failed: %s", strings.Join(fresh, " "))
		}
		if len(failed) > 0 {
			a.m.emit(Note, name, "%s: units that had failed before the switch fail again: %s", name, strings.Join(failed, " "))
			return before, nil
		}
	case 100:
		return before, fmt.Errorf("switch-to-configuration exited 100: the new system's init differs from the running one's, so it takes effect only when the container restarts")
	}
	return before, fmt.Errorf("switch-to-configuration exited %d: %s", status, lastLine(output))
}

// settle makes the host's state follow what nixlxc activated last
// (rec.Active): the profile points at the newest generation holding that
// system, and the record and LXC config carry its settings. The
// container's own report of what it runs plays no part.
func (a *activation) settle(ctx context.Context, rec *record, gens []generations.Generation) error {
	active := rec.Active
	if active == "" {
		active, _ = a.m.recs.currentSystem(rec.Name)
	}
	cur, _ := a.m.recs.current(rec.Name)
	if cur.Path != active {
		for i := len(gens) - 1; i >= 0; i-- {
			if gens[i].Path == active {
				if err := a.m.recs.switchProfile(ctx, rec.Name, gens[i].Number); err != nil {
					return err
				}
				break
			}
		}
	}
	// Whatever was recorded for the generation that failed, the record and
	// the LXC config now describe the one that is active.
	rec.Settings = generationSettings(active, rec.Settings)
	rec.useSourceOf(active)
	if err := a.m.recs.save(rec); err != nil {
		return err
	}
	if _, err := a.m.net.forward(ctx, rec.Name, rec.Settings); err != nil {
		a.m.emit(Warning, rec.Name, "%s: the port forwards of the active generation: %v", rec.Name, err)
	}
	return a.m.cfg.writeNetworked(rec, rec.Settings)
}

// runCaptured runs argv in the container, showing its output to the user
// and returning its last lines too.
func (a *activation) runCaptured(ctx context.Context, name string, argv []string) (int, string, error) {
	buf := &tailBuffer{max: 64 << 10}
	// The user watches the activation as it runs, but the container writes
	// it: each line is cleaned and marked as the container's, so it cannot
	// drive the terminal or pass for a line of nixlxc's own.
	relay := oneline.NewLineWriter(func(line string) { a.m.events(Event{Container: name, Kind: Output, Text: line}) })
	status, err := a.runInside(ctx, name, argv, io.MultiWriter(buf, relay), true)
	relay.Flush()
	return status, buf.String(), err
}

// runInside runs argv in the container, stdin from /dev/null, and copies
// what it prints (its stdout, and its stderr too when both) to sink as it
// comes. A process the command left running may hold the output open: it
// is not waited for long once the command has ended.
func (a *activation) runInside(ctx context.Context, name string, argv []string, sink io.Writer, both bool) (int, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return -1, err
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		r.Close()
		w.Close()
		return -1, err
	}
	defer devnull.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(sink, r)
		close(done)
	}()
	stderr := devnull
	if both {
		stderr = w
	}
	status, err := a.m.lxc.Run(ctx, name, argv, env(), "/", Stdio{Stdin: devnull, Stdout: w, Stderr: stderr})
	w.Close()
	select {
	case <-done:
	case <-time.After(200 * time.Millisecond):
	}
	r.Close()
	<-done
	return status, err
}

// tailBuffer keeps the last max bytes written: the container decides how
// much it prints.
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte{}, t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return oneline.Clean(lines[len(lines)-1])
}

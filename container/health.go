package container

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nixlxc/nixlxc/health"
)

// A system's health is systemd's own view of it: `systemctl
// is-system-running` and the units in the failed state, asked inside the
// container and read by package health.

// healthQueryTimeout bounds one question to the container's systemd: a
// container must not hold a command by never answering.
const healthQueryTimeout = 10 * time.Second

// healthSettle is how long a system must stay healthy before it counts as
// healthy: a service that dies just after the switch is caught.
const healthSettle = time.Second

// systemHealth is one answer of the container's systemd.
type systemHealth struct {
	State  string   // is-system-running's word; "" when there was no answer
	Failed []string // failed units
}

// health asks the container's systemd for its state and its failed units.
// An error means it could not ask (the container is not running); a
// container that does not answer gives an empty state.
func (a *activation) health(ctx context.Context, name string) (systemHealth, error) {
	var h systemHealth
	_, out, err := a.runQuiet(ctx, name, []string{"systemctl", "is-system-running"})
	if err != nil {
		return h, err
	}
	h.State = health.ParseState(out)
	_, out, err = a.runQuiet(ctx, name, []string{"systemctl", "list-units", "--failed", "--plain", "--no-legend", "--no-pager", "--full"})
	if err != nil {
		return h, err
	}
	h.Failed = health.ParseFailed(out)
	return h, nil
}

// failedUnits are the units that are failed in the container now (none if
// its systemd does not say).
func (a *activation) failedUnits(ctx context.Context, name string) []string {
	h, err := a.health(ctx, name)
	if err != nil {
		return nil
	}
	return h.Failed
}

// waitHealthy waits until the system is healthy for healthSettle: systemd
// says it is running, or degraded by none but units that had failed before
// the switch (before). A unit that fails anew is a failure at once; a
// system that says nothing, or is still starting, is not healthy when the
// timeout passes.
func (a *activation) waitHealthy(ctx context.Context, name string, before []string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultHealthTimeout
	}
	deadline := time.Now().Add(timeout)
	var healthySince time.Time
	last := "no answer"
	for {
		h, err := a.health(ctx, name)
		if err != nil {
			return err
		}
		if failed := health.NewFailures(h.Failed, before); len(failed) > 0 {
			return fmt.Errorf("units failed: %s", strings.Join(failed, " "))
		}
		if h.State != "" {
			last = "systemd says " + h.State
		}
		if h.State == "running" || h.State == "degraded" {
			if healthySince.IsZero() {
				healthySince = time.Now()
			} else if time.Since(healthySince) >= healthSettle {
				return nil
			}
		} else {
			healthySince = time.Time{}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("it did not report healthy within %s (%s)", timeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// runQuiet runs argv in the container and returns its exit status and the
// first health.MaxOutput bytes of its standard output; its standard error
// is dropped. It gives up after healthQueryTimeout.
func (a *activation) runQuiet(ctx context.Context, name string, argv []string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, healthQueryTimeout)
	defer cancel()
	var buf strings.Builder
	status, err := a.runInside(ctx, name, argv, &bounded{w: &buf, left: health.MaxOutput}, false)
	return status, buf.String(), err
}

// bounded keeps the first bytes written, up to left, and drops the rest
// (so the command never blocks on a full pipe).
type bounded struct {
	w    io.Writer
	left int
}

func (b *bounded) Write(p []byte) (int, error) {
	n := len(p)
	if b.left > 0 {
		keep := p[:min(len(p), b.left)]
		b.left -= len(keep)
		b.w.Write(keep)
	}
	return n, nil
}

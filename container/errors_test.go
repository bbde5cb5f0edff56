package container

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/generations"
	"github.com/nixlxc/nixlxc/lxcconf"
	"github.com/nixlxc/nixlxc/nixsys"
)

func TestKindOf(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("doing it: %w", err) }
	for _, tt := range []struct {
		err  error
		want Kind
	}{
		{nil, KindOther},
		{errors.New("disk on fire"), KindOther},
		{wrap(&nixsys.Error{Op: "building", Err: errors.New("exit status 1")}), KindBuild},
		{wrap(nixsys.ErrTooOld), KindBuild},
		{wrap(ErrInvalid), KindInvalid},
		{wrap(lxcconf.ErrInvalid), KindInvalid},
		{wrap(bridges.ErrInvalid), KindInvalid},
		{wrap(generations.ErrBadSpec), KindInvalid},
		{wrap(generations.ErrCurrent), KindInvalid},
		{wrap(ErrNotFound), KindNotFound},
		{wrap(ErrNoGeneration), KindNotFound},
		{wrap(generations.ErrNoGeneration), KindNotFound},
		{wrap(generations.ErrNoOlder), KindNotFound},
		{wrap(ErrExists), KindExists},
		{wrap(ErrRunning), KindState},
		{wrap(ErrStopped), KindState},
		{wrap(ErrActivate), KindActivate},
		{wrap(ErrCorrupt), KindOther},
	} {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("KindOf(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	if d := Detail(wrap(&nixsys.Error{Op: "x", Stderr: "the whole log", Err: errors.New("1")})); d != "the whole log" {
		t.Errorf("Detail = %q", d)
	}
	if d := Detail(errors.New("plain")); d != "" {
		t.Errorf("Detail of a plain error = %q", d)
	}
}

package lxcapi

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	lxc "github.com/lxc/go-lxc"
	"github.com/nixlxc/nixlxc/internal/oneline"
)

// Two liblxc calls run in nixlxc-helper (helper/nixlxc-helper.c), a small C
// program linked against liblxc, rather than in nixlxc's own process:
//
//   - start: liblxc's monitor of a running container is a fork of the
//     process that started it. A fork of nixlxc holds the Go runtime's
//     memory for the container's whole life; a fork of the helper holds
//     what lxc-start's monitor holds.
//   - attach: the command must not get the user's terminal, so it needs a
//     session of its own before it runs, which liblxc's attach cannot give
//     it from Go; the helper's attach function makes one. It is also
//     faster than a second nixlxc process or an attach from nixlxc's own:
//     liblxc forks its caller twice per attach, and a small C process
//     forks faster than the Go runtime.
//
// Every other liblxc call (state, stop, kill, config checks) stays in
// nixlxc, through go-lxc. The helper does nothing but what its arguments
// say; nixlxc decides everything.

// HelperName is the helper's file name.
const HelperName = "nixlxc-helper"

var (
	helperOnce sync.Once
	helperFile string
	helperErr  error
)

// helperPath is the helper of the running nixlxc (see findHelper).
func helperPath() (string, error) {
	helperOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			helperErr = fmt.Errorf("finding %s: %w", HelperName, err)
			return
		}
		helperFile, helperErr = findHelper(exe)
	})
	return helperFile, helperErr
}

// findHelper finds the helper of the nixlxc executable exe: next to it (bin/
// of a build, the tests' build directory) or in ../libexec/nixlxc/ (make
// install, the Nix package).
func findHelper(exe string) (string, error) {
	dir := filepath.Dir(exe)
	candidates := []string{
		filepath.Join(dir, HelperName),
		filepath.Join(filepath.Dir(dir), "libexec", "nixlxc", HelperName),
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is missing: looked for %s and %s (make build builds it next to nixlxc)", HelperName, candidates[0], candidates[1])
}

// helperCommand is the helper running verb with args. Nothing the caller
// holds open reaches it but what the command is given.
func helperCommand(verb string, args ...string) (*exec.Cmd, error) {
	path, err := helperPath()
	if err != nil {
		return nil, err
	}
	ShedInherited()
	return exec.Command(path, append([]string{verb}, args...)...), nil
}

// exitStatus is a finished helper's exit status, or -1 when it did not
// exit normally.
func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return -1
}

// starter is a helper waiting for a start request on its stdin.
type starter struct {
	cmd     *exec.Cmd
	request *os.File // the helper's stdin
	stderr  strings.Builder
	err     error // starting the helper failed
}

func newStarter() *starter {
	s := &starter{}
	cmd, err := helperCommand("start")
	if err != nil {
		s.err = err
		return s
	}
	r, w, err := os.Pipe()
	if err != nil {
		s.err = err
		return s
	}
	defer r.Close()
	// liblxc writes its reasons to the container's log; what the helper
	// says itself is one line on stderr. The monitor, a fork of the
	// helper, keeps none of these files open.
	cmd.Stdin, cmd.Stderr = r, &s.stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		w.Close()
		s.err = fmt.Errorf("running %s: %w", HelperName, err)
		return s
	}
	s.cmd, s.request = cmd, w
	return s
}

// start hands the helper its request (NUL-ended arguments) and waits for
// it: its exit status, and an error saying what it said when that is not
// 0.
func (s *starter) start(args []string) (int, error) {
	if s.err != nil {
		return -1, s.err
	}
	var req strings.Builder
	for _, a := range args {
		req.WriteString(a)
		req.WriteByte(0)
	}
	_, werr := io.WriteString(s.request, req.String())
	s.request.Close()
	err := s.cmd.Wait()
	status := exitStatus(err)
	switch {
	case status == 0:
		return 0, nil
	case werr != nil:
		return status, fmt.Errorf("handing %s its request: %w", HelperName, werr)
	}
	if msg := strings.TrimPrefix(strings.TrimSpace(s.stderr.String()), "nixlxc: "); msg != "" {
		return status, errors.New(oneline.Clean(msg))
	}
	return status, fmt.Errorf("liblxc: %w (%s %s)", lxc.ErrStartFailed, HelperName, err)
}

// cancel makes an unused helper exit: no request.
func (s *starter) cancel() {
	if s.err != nil {
		return
	}
	s.request.Close()
	go s.cmd.Wait()
}

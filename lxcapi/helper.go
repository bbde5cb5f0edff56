package lxcapi

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
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

// Package faultpoint lets tests kill nixlxc at a named step of a multi-step
// command, to prove that whatever a killed process leaves behind is found
// and repaired by `nixlxc doctor --repair`. It is inert unless the
// environment variable NIXLXC_FAULT names a step.
package faultpoint

import (
	"os"
	"syscall"
)

// Env names the step at which the process kills itself.
const Env = "NIXLXC_FAULT"

// Hit kills the process with SIGKILL, as a crash or power loss would, when
// step is the one named in the environment.
func Hit(step string) {
	if os.Getenv(Env) == step {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL is not handled; never return
	}
}

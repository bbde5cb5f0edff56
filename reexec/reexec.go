// Package reexec runs a part of nixlxc in a process of its own: the program
// executes itself again with a request (a kind and a JSON body) in its
// environment, and main hands the request to the handler of that kind.
//
// nixlxc does so where its own process must not do the work: attaching to a
// container (the command must not get the user's terminal) and starting
// containers from a long-lived process (each liblxc start forks its caller
// as the container's monitor, and liblxc is not made for several starts at
// once in one process).
package reexec

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
)

// Env carries the request to the new process.
const Env = "NIXLXC_REEXEC"

type request struct {
	Kind string          `json:"kind"`
	Body json.RawMessage `json:"body"`
}

// Command is the command that runs kind's handler with body in a new
// nixlxc process. The caller sets its standard files and starts it.
func Command(ctx context.Context, kind string, body any) (*exec.Cmd, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := json.Marshal(request{Kind: kind, Body: b})
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), Env+"="+string(req))
	return cmd, nil
}

// Handler runs a request's body and returns the exit status.
type Handler func(body []byte) int

// Dispatch runs the request in the environment, if there is one, and
// reports whether it did and its exit status. main calls it first.
func Dispatch(handlers map[string]Handler) (status int, ok bool) {
	raw, ok := os.LookupEnv(Env)
	if !ok {
		return 0, false
	}
	// Whatever the handler runs must not see the request.
	os.Unsetenv(Env)
	var req request
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		fmt.Fprintln(os.Stderr, "nixlxc: bad request from a nixlxc process:", err)
		return 1, true
	}
	h, found := handlers[req.Kind]
	if !found {
		fmt.Fprintf(os.Stderr, "nixlxc: no handler for %q requests\n", req.Kind)
		return 1, true
	}
	return h(req.Body), true
}

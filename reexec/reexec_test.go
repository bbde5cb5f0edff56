package reexec

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestMain plays the re-executed program: the test binary is os.Executable.
func TestMain(m *testing.M) {
	status, ok := Dispatch(map[string]Handler{
		"echo": func(body []byte) int {
			var s string
			json.Unmarshal(body, &s)
			os.Stdout.WriteString(s + " " + os.Getenv(Env))
			return 3
		},
	})
	if ok {
		os.Exit(status)
	}
	os.Exit(m.Run())
}

func TestRoundTrip(t *testing.T) {
	cmd, err := Command(context.Background(), "echo", "hello")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	err = cmd.Run()
	if cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("exit %v, want the handler's 3", err)
	}
	if got := strings.TrimSpace(out.String()); got != "hello" {
		t.Errorf("the handler printed %q: the body, and no request left in its environment", got)
	}
}

func TestUnknownKind(t *testing.T) {
	cmd, _ := Command(context.Background(), "nope", nil)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	cmd.Run()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(errOut.String(), `"nope"`) {
		t.Errorf("an unknown kind: exit %d, %q", cmd.ProcessState.ExitCode(), errOut.String())
	}
}

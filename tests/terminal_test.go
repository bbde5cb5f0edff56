package tests

import (
	"os/exec"
	"strings"
	"testing"
)

// atTerminal runs a shell script whose stdin, stdout and stderr are a pty
// (script(1)), typing what typer prints into it, and returns what the
// terminal showed.
func (h *host) atTerminal(script, typer string) string {
	h.t.Helper()
	path := h.file("at-terminal.sh", script)
	cmd := exec.Command("sh", "-c", "("+typer+") | script -qec 'sh "+path+"' /dev/null")
	cmd.Env = append(append([]string{}, h.env...), "N="+binary)
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// TestRunNeverHandsOverTheTerminal: when only some of stdin, stdout and
// stderr are the user's terminal (`nixlxc run c -- cmd | less`,
// `nixlxc run c -- cmd < script`, `nixlxc login c < script`), the command
// still gets none of the terminal's descriptors, only a pty of the
// container's own or pipes that nixlxc relays while the command runs. A
// process the command leaves behind cannot read what the user types once
// run has returned (a sudo password), nor write to the terminal.
func TestRunNeverHandsOverTheTerminal(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	h.must("create", "pftty", example("hello.nix"))
	h.must("start", "pftty")

	// Each leaves a reader of the descriptor it got behind, and returns.
	typer := "sleep 2; printf 'typed-after-run-returned\\n'; sleep 2"
	// stdin the terminal, stdout a pipe.
	h.atTerminal(`"$N" run pftty -- sh -c 'exec 5<&0; (while read l; do echo "$l" >> /tmp/stolen-stdin; done) <&5 >/dev/null 2>&1 & echo started' | cat
echo "run returned"
sleep 3
`, typer)
	// stdin redirected, stderr (opened read-write, as terminals are) the terminal.
	h.atTerminal(`"$N" run pftty -- sh -c 'exec 5<&2; (while read l; do echo "$l" >> /tmp/stolen-stderr; done) <&5 >/dev/null 2>&1 & echo started' </dev/null
echo "run returned"
sleep 3
`, typer)
	// login reading a script, its output on the terminal.
	h.atTerminal(`"$N" login pftty <<'EOF'
exec 5<&2; (while read l; do echo "$l" >> /tmp/stolen-login; done) <&5 >/dev/null 2>&1 &
echo started
EOF
echo "login returned"
sleep 3
`, typer)
	// All three the terminal: run returns though the reader holds the pty.
	h.atTerminal(`"$N" run pftty -- sh -c 'exec 5<&0; (while read l; do echo "$l" >> /tmp/stolen-pty; done) <&5 >/dev/null 2>&1 & echo started'
echo "run returned"
sleep 3
`, typer)
	for _, f := range []string{"/tmp/stolen-stdin", "/tmp/stolen-stderr", "/tmp/stolen-login", "/tmp/stolen-pty"} {
		if r := h.nixlxc("run", "pftty", "--", "cat", f); strings.Contains(r.stdout, "typed-after-run-returned") {
			t.Errorf("the container read what the user typed at the host's terminal after run returned (%s): %q", f, r.stdout)
		}
	}

	// While the command runs, the relay works both ways: what the user
	// types reaches it, its output reaches the pipe and the terminal, and
	// its exit status passes through.
	out := h.atTerminal(`"$N" run pftty -- sh -c 'read l; echo "got:$l"; echo "err:$l" >&2; exit 3' | cat
`, "sleep 1; printf 'hello\\n'; sleep 1")
	if !strings.Contains(out, "got:hello") || !strings.Contains(out, "err:hello") {
		t.Errorf("typed input did not reach the command, or its output the user:\n%s", out)
	}
	out = h.atTerminal(`"$N" run pftty -- sh -c 'read l; echo "file:$l"' >`+h.dir+`/out 2>&1
cat `+h.dir+`/out
`, "sleep 1; printf 'typed\\n'; sleep 1")
	if !strings.Contains(out, "file:typed") {
		t.Errorf("with only stdin the terminal, typed input did not reach the command, or its output the file:\n%s", out)
	}
	out = h.atTerminal(`"$N" run pftty -- sh -c 'echo out; echo err >&2; exit 4' </dev/null
echo "status $?"
`, "sleep 1")
	if !strings.Contains(out, "out") || !strings.Contains(out, "err") || !strings.Contains(out, "status 4") {
		t.Errorf("with stdin redirected, the command's output or status did not reach the terminal:\n%s", out)
	}
	// The pty has the terminal's size, and follows it (SIGWINCH), whether
	// the output goes to the terminal or to a pipe.
	out = h.atTerminal(`stty rows 45 cols 123
(sleep 1; stty rows 50 cols 100 </dev/tty) &
"$N" run pftty -- sh -c 'stty size; sleep 2; stty size'
"$N" run pftty -- stty size | cat
`, "sleep 5")
	if !strings.Contains(out, "45 123") || strings.Count(out, "50 100") != 2 {
		t.Errorf("the command's pty did not have, or follow, the terminal's size (45 123, then 50 100 twice):\n%s", out)
	}
	h.must("destroy", "--force", "pftty")
}

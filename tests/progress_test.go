package tests

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBuildProgress: a build shows itself while it runs. Its builder
// prints a line, then waits until the test has seen that line (a gate
// file), so the test passes only if nixlxc streams Nix's log as it comes;
// the derivation has the test's own directory in it, so no earlier run can
// have built it. Without -L, a failed builder's last lines explain it.
func TestBuildProgress(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	gate := filepath.Join(h.dir, "gate")
	slow := h.file("slow.nix", `{ configuration = { pkgs, ... }: {
  environment.etc.slow.source = pkgs.runCommand "slow-build" { } ''
    echo "waiting for `+gate+`"
    i=0; while [ ! -e `+gate+` ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
    echo "through the gate"
    echo `+h.dir+` > $out
  '';
}; }`)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "create", "dprog", slow, "-L")
	cmd.Env = h.env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen []string
	sc := bufio.NewScanner(out)
	opened := false
	for sc.Scan() {
		line := sc.Text()
		seen = append(seen, line)
		if strings.HasPrefix(line, "created ") && !opened {
			t.Errorf("the build finished before its log was shown")
		}
		if line == "slow-build> waiting for "+gate {
			// The builder is waiting: nixlxc showed its line while it runs.
			if err := os.WriteFile(gate, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			opened = true
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("create: %v\nstdout:\n%s\nstderr: %s", err, strings.Join(seen, "\n"), stderr.String())
	}
	text := strings.Join(seen, "\n")
	if !opened {
		t.Fatalf("never saw the builder's line; stdout:\n%s", text)
	}
	for _, want := range []string{
		"building the system of dprog from " + slow,
		"dprog: building slow-build",
		"slow-build> through the gate",
		"created dprog: generation 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stdout lacks %q:\n%s", want, text)
		}
	}
	// Without a terminal, no live line: nothing but plain lines.
	if strings.ContainsAny(text, "\r\x1b") {
		t.Errorf("control characters in plain output: %q", text)
	}

	// A failed builder: its last lines, then the error (exit 7), and
	// nothing left behind. Without -L, its earlier lines are not shown.
	broken := h.file("broken.nix", `{ configuration = { pkgs, ... }: {
  environment.etc.broken.source = pkgs.runCommand "broken-build" { } ''
    echo "`+h.dir+`"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "line $i"; done
    echo "the widget is missing" >&2
    exit 3
  '';
}; }`)
	r := h.fails(7, []string{"broken-build", "the widget is missing"}, "create", "dbroke", broken)
	for _, want := range []string{"dbroke: building broken-build", "broken-build> line 12", "broken-build> the widget is missing"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("a failed build's stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "broken-build> line 2\n") {
		t.Errorf("more than the log's end was shown:\n%s", r.stdout)
	}
	if left := h.leftovers("dbroke"); len(left) > 0 {
		t.Errorf("a failed build left %v", left)
	}
}

package procstat

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestStartTicks(t *testing.T) {
	// A name with spaces and parentheses of its own, as a process may set.
	stat := "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
	got, err := startTicks(stat)
	if err != nil || got != 98765 {
		t.Errorf("startTicks = %d, %v; want 98765", got, err)
	}
	if _, err := startTicks("4242 (x S 1"); err == nil {
		t.Error("a broken stat line was read")
	}
	boot, err := bootTime(strings.NewReader("cpu 1 2 3\nbtime 1700000000\nprocesses 5\n"))
	if err != nil || !boot.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("bootTime = %v, %v", boot, err)
	}
}

func TestStartTimeOfThisProcess(t *testing.T) {
	start, err := StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 0 || d > time.Hour {
		t.Errorf("this process started %v ago", d)
	}
}

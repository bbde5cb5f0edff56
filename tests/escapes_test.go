package tests

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// terminalSafe reports what in s a terminal would act on: anything but
// printable UTF-8 text, spaces and newlines.
func terminalSafe(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
			return fmt.Sprintf("control character %U", r)
		}
	}
	return ""
}

func assertTerminalSafe(t *testing.T, what string, r result) {
	t.Helper()
	for _, s := range []string{r.stdout, r.stderr} {
		if bad := terminalSafe(s); bad != "" {
			t.Errorf("%s prints %s: %q", what, bad, s)
		}
	}
}

// The escapes a hostile container writes: a window title (OSC), the
// clipboard (OSC 52), clearing the screen (CSI), a C1 CSI in UTF-8, a raw
// C1 byte, and a right-to-left override.
const hostileText = `\033]0;pwned\007\033]52;c;ZXZpbA==\007\033[2J\302\23331m\233\342\200\256`

// TestSecTerminalEscapes: what a container writes (its report of what it
// runs under /run/nixlxc, its units' output during an activation) reaches
// the user's terminal cleaned, through doctor and update. (What its
// systemctl answers about its health is never shown: tests/robustness.)
func TestSecTerminalEscapes(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.must("create", "scesc", example("hello.nix"))
	h.must("start", "scesc")

	// The container says it runs something else, in escapes: doctor quotes
	// it.
	h.must("run", "scesc", "--", "sh", "-c", `printf '`+hostileText+`/nix/store/fake\n' > /run/nixlxc/current`)
	r := h.nixlxc("doctor")
	assertTerminalSafe(t, "doctor", r)
	if !strings.Contains(r.stdout, "/nix/store/fake") {
		t.Errorf("doctor does not report what the container says it runs: %s", r)
	}
	r = h.nixlxc("doctor", "--json")
	assertTerminalSafe(t, "doctor --json", r)
	h.must("stop", "scesc")
	h.must("start", "scesc")

	// An activation script that prints escapes: the activation's output is
	// relayed as it runs. (A unit's own output reaches the user through the
	// journal, which shows such lines as blobs.)
	noisy := h.file("noisy.nix", `{ ... }: {
  system.activationScripts.noisy = ''
    printf 'MARK`+hostileText+`MARK\n'
    echo 'nixlxc: scesc: generation 7 is active'
  '';
}
`)
	r = h.nixlxc("update", "scesc", noisy)
	if r.code != 0 {
		t.Fatalf("update with a noisy activation script: %s", r)
	}
	assertTerminalSafe(t, "update (the activation's output)", r)
	if !strings.Contains(r.stdout, "MARK") {
		t.Errorf("update did not show the activation's output (so the test shows nothing): %s", r)
	}
	if !strings.Contains(r.stdout, "scesc> ") {
		t.Errorf("the activation's output is not marked as the container's: %q", r.stdout)
	}
	h.must("destroy", "--force", "scesc")
}

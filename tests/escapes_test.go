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

// TestSecTerminalEscapes: what a container writes (its reports under
// /run/nixlxc, its units' output during an activation) reaches the user's
// terminal cleaned, through doctor and update.
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

	// A unit that fails, printing escapes: switch-to-configuration shows
	// the last lines of its log, which nixlxc relays.
	noisy := h.file("noisy.nix", `{ ... }: {
  systemd.services.noisy = {
    wantedBy = [ "multi-user.target" ];
    script = ''
      printf '`+hostileText+`\n'
      echo 'nixlxc: fake line'
      exit 1
    '';
  };
}
`)
	r = h.nixlxc("update", "scesc", noisy)
	if r.code != 6 {
		t.Fatalf("update with a failing unit: %s", r)
	}
	assertTerminalSafe(t, "update (a unit's output)", r)
	if !strings.Contains(r.stdout, "scesc> ") {
		t.Errorf("the activation's output is not marked as the container's: %q", r.stdout)
	}
	h.must("rollback", "scesc")

	// A unit that plants a health report of its own and makes the report
	// directory read-only so the system cannot correct it.
	planter := h.file("planter.nix", `{ ... }: {
  systemd.services.planter = {
    wantedBy = [ "multi-user.target" ];
    script = ''
      sys=$(readlink /run/current-system)
      printf "failed $sys x`+hostileText+`\n" > /run/nixlxc/health
      mount -o remount,ro,bind /run/nixlxc
      while true; do sleep 1; done
    '';
  };
}
`)
	r = h.nixlxc("update", "--auto-rollback", "--health-timeout", "20s", "scesc", planter)
	if r.code != 6 {
		t.Fatalf("update --auto-rollback with a planted health report: %s", r)
	}
	assertTerminalSafe(t, "update --auto-rollback (the health report)", r)
	h.must("destroy", "--force", "scesc")
}

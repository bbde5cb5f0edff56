package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fdAttack opens what the attacker opens before calling nixlxc:
// fd 7 a secret host file (and /etc/shadow as fd 6), fd 8 a host
// directory, fd 9 a host file for appending.
func (h *host) fdAttack() (secret, dir, sink, prelude string) {
	secret = h.file("secret", "SECRET-OF-THE-HOST\n")
	dir = filepath.Join(h.dir, "hostdir")
	os.MkdirAll(filepath.Join(dir, "HOST-ONLY-ENTRY"), 0o755)
	sink = h.file("sink", "")
	prelude = fmt.Sprintf("exec 6</etc/shadow 7<%s 8<%s 9>>%s; ", secret, dir, sink)
	return
}

// sh runs a shell script with the installation's environment; the script
// calls nixlxc as $N.
func (h *host) sh(script string, extraEnv ...string) result {
	h.t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(append(append([]string{}, h.env...), "N="+binary), extraEnv...)
	out, err := cmd.Output()
	r := result{stdout: string(out)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code, r.stderr = ee.ExitCode(), string(ee.Stderr)
	}
	return r
}

// containerFds lists, from the host, every file the container's processes
// hold open.
func (h *host) containerFds(name string) []string {
	h.t.Helper()
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", h.initPID(name)))
	if err != nil {
		h.t.Fatal(err)
	}
	var open []string
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		if l, _ := os.Readlink(p + "/ns/pid"); l != ns {
			continue
		}
		fds, _ := filepath.Glob(p + "/fd/*")
		for _, fd := range fds {
			if target, err := os.Readlink(fd); err == nil {
				open = append(open, fd+" -> "+target)
			}
		}
	}
	return open
}

func (h *host) assertNoHostFds(name, when string, hostPaths ...string) {
	h.t.Helper()
	fds := h.containerFds(name)
	if len(fds) == 0 {
		h.t.Fatalf("%s: found no open files of %s's processes", when, name)
	}
	for _, fd := range fds {
		for _, p := range hostPaths {
			if strings.HasSuffix(fd, " -> "+p) {
				h.t.Errorf("%s: a process of %s holds a host file: %s", when, name, fd)
			}
		}
	}
}

// TestSecInheritedFds: whatever the caller holds open, only stdin, stdout
// and stderr cross into a container: for run (on pipes and on a terminal),
// login, start (with LISTEN_FDS set too) and the services an update starts.
func TestSecInheritedFds(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	secret, dir, sink, prelude := h.fdAttack()
	hostPaths := []string{"/etc/shadow", secret, dir, sink}
	h.must("create", "scfd", example("hello.nix"))

	if r := h.sh(prelude + `exec "$N" start scfd`); r.code != 0 {
		t.Fatalf("start: %s", r)
	}
	h.assertNoHostFds("scfd", "after start", hostPaths...)

	probe := `echo $(ls /proc/self/fd); head -c40 <&6; head -c40 <&7; ls /proc/self/fd/8/; echo LEAKED >&9; true`
	check := func(what string, r result) {
		t.Helper()
		if strings.Contains(r.stdout, "root:") || strings.Contains(r.stdout, "SECRET") || strings.Contains(r.stdout, "HOST-ONLY-ENTRY") {
			t.Errorf("%s: the container read the host's files: %s", what, r)
		}
		if data, _ := os.ReadFile(sink); len(data) > 0 {
			t.Errorf("%s: the container wrote a host file: %q", what, data)
		}
		// A terminal may echo what it is sent (a NUL as "^@"): only the
		// numbers count.
		fds := regexp.MustCompile(`[0-9]+`).FindAllString(strings.SplitN(r.stdout, "\n", 2)[0], -1)
		if strings.Join(fds, " ") != "0 1 2 3" {
			t.Errorf("%s: the command's open fds are %v, want 0 1 2 and ls's own 3", what, fds)
		}
	}

	env := "PROBE=" + probe
	check("run", h.sh(prelude+`"$N" run scfd -- sh -c "$PROBE"`, env))
	// On a terminal (script(1) gives the shell a pty), nixlxc relays a pty.
	r := h.sh(`script -qec '`+prelude+`"$N" run scfd -- sh -c "$PROBE"' /dev/null`, env)
	// A terminal adds carriage returns, and may add a NUL as it starts.
	r.stdout = strings.Map(func(c rune) rune {
		if c < ' ' && c != '\n' {
			return -1
		}
		return c
	}, r.stdout)
	check("run on a terminal", r)
	check("login", h.sh(prelude+`printf '%s\n' "$PROBE" | "$N" login scfd`, env))

	// update: the activation starts a service, which lives on.
	service := h.file("service.nix", `{ ... }: {
  systemd.services.lingers = {
    wantedBy = [ "multi-user.target" ];
    script = "while true; do sleep 1; done";
  };
}
`)
	if r := h.sh(prelude + `exec "$N" update scfd ` + service); r.code != 0 {
		t.Fatalf("update: %s", r)
	}
	h.assertNoHostFds("scfd", "after update", hostPaths...)

	// start, with LISTEN_FDS asking liblxc to pass 3 to 9 on (liblxc's
	// monitor would keep nixlxc's lock file too, and every later command
	// on the container would wait for it forever).
	h.must("stop", "scfd")
	if r := h.sh(prelude+`exec "$N" start scfd`, "LISTEN_FDS=9", "LISTEN_PID=1"); r.code != 0 {
		t.Fatalf("start with LISTEN_FDS: %s", r)
	}
	h.assertNoHostFds("scfd", "after start with LISTEN_FDS", hostPaths...)
	h.must("destroy", "--force", "scfd")
}

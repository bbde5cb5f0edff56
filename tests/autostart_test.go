package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// webConfig is an autostart container serving its name over HTTP.
func (h *host) webConfig(name, autostart string) string {
	return h.file(name+".nix", fmt.Sprintf(`{
  %s
  configuration = { pkgs, name, ... }: {
    environment.etc."www/index.html".text = "hello from ${name}";
    systemd.services.httpd = {
      wantedBy = [ "multi-user.target" ];
      serviceConfig.ExecStart = "${pkgs.busybox}/bin/httpd -f -p 80 -h /etc/www";
    };
  };
}`, autostart))
}

func httpGet(url string) string {
	// (busybox 1.35's wget crashes on -T; timeout(1) bounds it instead.)
	out, _ := exec.Command("timeout", "5", "busybox", "wget", "-q", "-O", "-", url).Output()
	return string(out)
}

func (h *host) state(name string) string {
	h.t.Helper()
	return strings.TrimSpace(h.must("state", name))
}

// TestAutostart simulates a host boot: in a fresh network namespace (no
// bridge yet), with every container stopped, `nixlxc autostart` brings up
// the host's network and exactly the autostart containers, in order, with
// their services answering; a container whose system never boots is
// reported and stops no one else. lxc-autostart agrees on the set, and
// shutdown-all stops everything cleanly.
func TestAutostart(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	// Names of this run only: cgroups are global, and an earlier run on the
	// machine may have left some under other names.
	sfx := runSuffix()
	early, late, manual, broken := "early"+sfx, "late"+sfx, "manual"+sfx, "broken"+sfx
	cgroupsBefore := lxcCgroups(early, late, manual, broken)
	h.must("create", late, h.webConfig(late, `autostart = { enable = true; order = 20; };`))
	h.must("create", early, h.webConfig(early, `autostart = { enable = true; order = 10; delay = 1; };`))
	h.must("create", manual, h.webConfig(manual, ``))
	h.must("create", broken, h.file("broken.nix", `{
  autostart = { enable = true; order = 10; };
  configuration = { ... }: { system.activationScripts.hang = "sleep 3600"; };
}`))
	if _, err := os.Stat("/sys/class/net/brNC-hostonly"); err == nil {
		t.Fatal("the namespace is not fresh: brNC-hostonly exists before autostart")
	}

	r := h.nixlxc("autostart", "--timeout", "3s", "--attempts", "2")
	if r.code == 0 {
		t.Errorf("autostart succeeded although broken never boots: %s", r)
	}
	if !strings.Contains(r.stderr, broken) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("the summary does not name broken on one line: %q", r.stderr)
	}
	if !strings.Contains(r.stdout, "attempt 1 of 2 failed") {
		t.Errorf("no retry reported:\n%s", r.stdout)
	}
	for name, want := range map[string]string{early: "RUNNING", late: "RUNNING", manual: "STOPPED", broken: "STOPPED"} {
		if got := h.state(name); got != want {
			t.Errorf("after autostart %s is %s, want %s", name, got, want)
		}
	}
	// Lower order first: early (10) was booted before late (20) began.
	if e, l := strings.Index(r.stdout, early+" (order 10) is up"), strings.Index(r.stdout, late+" (order 20) is up"); e < 0 || l < 0 || e > l {
		t.Errorf("start order wrong:\n%s", r.stdout)
	}
	earlyBooted := mtime(t, filepath.Join(h.stateDir, "lxc", early, "run", "booted"))
	lateBooted := mtime(t, filepath.Join(h.stateDir, "lxc", late, "run", "booted"))
	if !lateBooted.After(earlyBooted.Add(900 * time.Millisecond)) {
		t.Errorf("late booted at %s, early at %s: want late after early and its 1 s delay", lateBooted, earlyBooted)
	}
	for _, name := range []string{early, late} {
		ip := h.ip(name)
		if !pingFromHost(ip) {
			t.Errorf("%s (%s) does not answer a ping", name, ip)
		}
		// A simple service is up once started; it listens a moment later.
		eventually(t, 10*time.Second, name+"'s web service answers", func() bool {
			return httpGet("http://"+ip+"/") == "hello from "+name
		})
	}

	// Running autostart again changes nothing and succeeds for those up.
	h.must("destroy", broken)
	if out := h.must("autostart"); !strings.Contains(out, "2 already running") || !strings.Contains(out, early+" (order 10) was running") {
		t.Errorf("a second autostart: %q", out)
	}

	out := h.must("shutdown-all", "--timeout", "20s")
	if strings.Contains(out, "killing") || !strings.Contains(out, "2 stopped") {
		t.Errorf("shutdown-all: %q", out)
	}
	// One line per container, without a terminal.
	for _, name := range []string{early, late} {
		if strings.Count(out, "shutdown-all: "+name+" stopped\n") != 1 {
			t.Errorf("shutdown-all does not say once that %s stopped: %q", name, out)
		}
	}
	for _, name := range []string{early, late, manual} {
		if got := h.state(name); got != "STOPPED" {
			t.Errorf("after shutdown-all %s is %s", name, got)
		}
	}
	for _, name := range []string{early, late} {
		console := readFile(t, filepath.Join(h.stateDir, "lxc", name, "console.log"))
		if !strings.Contains(console, "poweroff") {
			t.Errorf("%s did not shut down cleanly:\n%s", name, console)
		}
	}

	// liblxc's own lxc-autostart on nixlxc's LXC path starts the same set.
	lxcpath := filepath.Join(h.stateDir, "lxc")
	if out, err := exec.Command("lxc-autostart", "-P", lxcpath).CombinedOutput(); err != nil {
		t.Fatalf("lxc-autostart: %v\n%s", err, out)
	}
	eventually(t, 15*time.Second, "lxc-autostart starts early and late", func() bool {
		return h.state(early) == "RUNNING" && h.state(late) == "RUNNING"
	})
	if got := h.state(manual); got != "STOPPED" {
		t.Errorf("lxc-autostart started manual (%s)", got)
	}
	eventually(t, 15*time.Second, "early answers after lxc-autostart", func() bool {
		return httpGet("http://"+h.ip(early)+"/") == "hello from "+early
	})
	h.must("shutdown-all")

	// No container left a cgroup behind (liblxc leaves its monitor's when
	// one process both starts and stops a container: autostart's retries).
	if left := newCgroups(cgroupsBefore, lxcCgroups(early, late, manual, broken)); len(left) > 0 {
		t.Errorf("cgroups left: %v", left)
	}
}

// runSuffix makes container names unique to this test process.
func runSuffix() string {
	return "-" + strconv.FormatInt(int64(os.Getpid()%46656), 36)
}

// lxcCgroups lists liblxc's cgroups (lxc.monitor.NAME, lxc.payload.NAME,
// with their -N variants) of the named containers on the host, which
// every network namespace shares.
func lxcCgroups(names ...string) map[string]bool {
	out := map[string]bool{}
	for _, n := range names {
		for _, dir := range []string{"/sys/fs/cgroup/*/", "/sys/fs/cgroup/"} {
			for _, suffix := range []string{"", "-*"} {
				m, _ := filepath.Glob(dir + "lxc.*." + n + suffix)
				for _, p := range m {
					out[p] = true
				}
			}
		}
	}
	return out
}

// newCgroups is what is in after and not in before.
func newCgroups(before, after map[string]bool) []string {
	var out []string
	for p := range after {
		if !before[p] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func mtime(t *testing.T, path string) time.Time {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.ModTime()
}

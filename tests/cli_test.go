package tests

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// needTool finds a tool the test tools of scripts/setup-host.sh install;
// scripts/test.sh sets NIXLXC_TEST_TOOLS, so there a missing one fails.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("NIXLXC_TEST_TOOLS") != "" {
			t.Fatalf("%s is missing: scripts/setup-host.sh --test-tools installs it", name)
		}
		t.Skipf("%s is not installed (scripts/setup-host.sh --test-tools)", name)
	}
	return p
}

// TestCLIList: every format of list, on the same two containers (one with
// NAT and IPv6, running; one plain, stopped), agreeing with each other and
// with show-ip; the empty installation as scripts see it; and bash's
// completion of container names from the installation.
func TestCLIList(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	h.hostJSON(`{ "ipv6": { "enable": true, "ipv6InternetInterfaceAddress": "2001:db8:15::1", "ipv6Prefix": "2001:db8:15::", "ipv6PrefixLength": 64 } }`)

	// No containers: the table prints nothing at all, header or not (scripts
	// test for the empty string); CSV its header; JSON and YAML an empty array.
	for args, want := range map[string]string{
		"list":                          "",
		"list --format table":           "",
		"list --format table -c name":   "",
		"list --format csv":             "name,state,ipv4,nat,ipv6,generation,autostart\n",
		"list --format csv --no-header": "",
		"list --json":                   "[]\n",
		"list --format json":            "[]\n",
		"list --format yaml":            "[]\n",
	} {
		if got := h.must(strings.Fields(args)...); got != want {
			t.Errorf("%s with no containers: %q, want %q", args, got, want)
		}
	}

	h.must("create", "clnat", h.file("nat.nix", `{ autostart = { enable = true; order = 5; }; network.enableNat = true; configuration = { ... }: { }; }`))
	h.must("create", "clplain", h.file("plain.nix", `{ configuration = { ... }: { }; }`))
	h.must("start", "clnat")
	ips := h.showIP("clnat")
	if ips.Hostonly == nil || ips.Internet == nil || ips.Internet.IPv4 == "" || ips.Internet.IPv6 == "" {
		t.Fatalf("show-ip --json clnat: %+v", ips)
	}

	// A script's plain list: no header, a name first, one word per column.
	plain := h.must("list")
	lines := strings.Split(strings.TrimSpace(plain), "\n")
	if len(lines) != 2 {
		t.Fatalf("list: %q, want two rows", plain)
	}
	want := [][]string{
		{"clnat", "RUNNING", ips.Hostonly.IPv4, ips.Internet.IPv4, ips.Internet.IPv6, "1", "yes"},
		{"clplain", "STOPPED", h.ip("clplain"), "-", "-", "1", "no"},
	}
	for i, l := range lines {
		if got := strings.Fields(l); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("list row %d: %q, want %q", i, got, want[i])
		}
	}
	// The table with its header, asked for; columns chosen.
	table := h.must("list", "--format", "table")
	if first := strings.Fields(strings.SplitN(table, "\n", 2)[0]); !reflect.DeepEqual(first, []string{"NAME", "STATE", "IPV4", "NAT", "IPV6", "GENERATION", "AUTOSTART"}) {
		t.Errorf("table header: %q", first)
	}
	if got := h.must("list", "--format", "table", "--no-header"); got != plain {
		t.Errorf("--no-header:\n%s\nwant the plain list:\n%s", got, plain)
	}
	if got := h.must("list", "-c", "name,nat,order", "--format", "table"); strings.Join(strings.Fields(got), " ") != "NAME NAT ORDER clnat "+ips.Internet.IPv4+" 5 clplain - -" {
		t.Errorf("list -c name,nat,order:\n%s", got)
	}

	// CSV: a header of column names, empty cells where nothing applies.
	records, err := csv.NewReader(strings.NewReader(h.must("list", "--format", "csv", "-c", "name,state,ipv4,nat,ipv6,generation,autostart,system,idmapBase"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 3 || strings.Join(records[0], ",") != "name,state,ipv4,nat,ipv6,generation,autostart,system,idmapBase" ||
		records[1][3] != ips.Internet.IPv4 || records[2][3] != "" || !strings.HasPrefix(records[1][7], "/nix/store/") {
		t.Errorf("csv: %q", records)
	}

	// JSON: the same fields; the interfaces exactly as show-ip --json has
	// them (one vocabulary: plain addresses, prefix lengths beside).
	var rows []map[string]any
	if err := json.Unmarshal([]byte(h.must("list", "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0]["name"] != "clnat" || rows[0]["nat"] != ips.Internet.IPv4 || rows[0]["ipv4"] != ips.Hostonly.IPv4 ||
		rows[0]["ipv6"] != ips.Internet.IPv6 || rows[0]["generation"] != 1.0 || rows[1]["nat"] != nil {
		t.Errorf("list --format json: %v", rows)
	}
	var showIPJSON map[string]any
	json.Unmarshal([]byte(h.must("show-ip", "--json", "clnat")), &showIPJSON)
	if !reflect.DeepEqual(rows[0]["interfaces"], showIPJSON) {
		t.Errorf("list's interfaces %v differ from show-ip --json's %v", rows[0]["interfaces"], showIPJSON)
	}
	if ips.Internet.IPv4PrefixLength != 16 || ips.Internet.IPv6PrefixLength != 64 || strings.Contains(ips.Internet.IPv4+ips.Hostonly.IPv4, "/") {
		t.Errorf("show-ip --json addresses: %+v %+v", ips.Hostonly, ips.Internet)
	}
	if got := h.must("list", "--json"); got != h.must("list", "--format", "json") {
		t.Error("list --json differs from list --format json")
	}

	// YAML: the JSON document, read back by a YAML parser.
	python := needTool(t, "python3")
	yaml := h.must("list", "--format", "yaml")
	read := exec.Command(python, "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))")
	read.Stdin = strings.NewReader(yaml)
	out, err := read.Output()
	if err != nil {
		t.Fatalf("python3 yaml: %v (scripts/setup-host.sh --test-tools installs python3-yaml)\n%s", err, yaml)
	}
	var fromYAML []map[string]any
	json.Unmarshal(out, &fromYAML)
	if !reflect.DeepEqual(fromYAML, rows) {
		t.Errorf("YAML reads as\n%v\nJSON is\n%v", fromYAML, rows)
	}

	// Completion: bash, the script sourced, completing container names of
	// the installation the variables name, then of the one the typed
	// options name, then of the one config.json names.
	script := filepath.Join(h.dir, "nixlxc.bash")
	if err := os.WriteFile(script, []byte(h.must("completion", "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	complete := func(env []string, words ...string) []string {
		t.Helper()
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		cmd := exec.Command("bash", "-c", `source "$1"
COMP_WORDS=(`+strings.Join(quoted, " ")+`)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_nixlxc
printf '%s\n' "${COMPREPLY[@]}"`, "bash", script)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Fatalf("bash completion: %v\n%s", err, stderr.String())
		}
		return strings.Fields(string(out))
	}
	if got := complete(h.env, binary, "start", "cl"); !reflect.DeepEqual(got, []string{"clnat", "clplain"}) {
		t.Errorf("start cl<TAB>: %q, want clnat clplain", got)
	}
	if got := complete(h.env, binary, "stop", "--timeout", "5s", "clp"); !reflect.DeepEqual(got, []string{"clplain"}) {
		t.Errorf("stop --timeout 5s clp<TAB>: %q, want clplain", got)
	}
	var bare []string
	for _, e := range h.env {
		if !strings.HasPrefix(e, "NIXLXC_STATE_DIR=") && !strings.HasPrefix(e, "NIXLXC_PROFILE_DIR=") {
			bare = append(bare, e)
		}
	}
	if got := complete(bare, binary, "--state-dir", h.stateDir, "--profile-dir", h.profileDir, "destroy", ""); !reflect.DeepEqual(got, []string{"clnat", "clplain"}) {
		t.Errorf("--state-dir DIR destroy <TAB>: %q, want clnat clplain", got)
	}
	config := filepath.Join(h.dir, "config.json")
	os.WriteFile(config, []byte(`{ "stateDir": "`+h.stateDir+`", "profileDir": "`+h.profileDir+`" }`), 0o644)
	if got := complete(bare, binary, "login", "cln"); !reflect.DeepEqual(got, []string{"clnat"}) {
		t.Errorf("login cln<TAB> through config.json: %q, want clnat", got)
	}
}

// TestCLIRestart: restart stops the container cleanly and starts it again:
// a new init, booted; a stopped container is just started. root-login is
// login.
// TestCLINeedsRoot: a user who is not root is told so, in one line, and
// nothing is made.
func TestCLINeedsRoot(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	state := filepath.Join(h.dir, "user-state")
	for _, args := range [][]string{{"list"}, {"create", "nrc", example("hello.nix")}, {"host", "setup"}} {
		cmd := exec.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", binary, "--state-dir", state}, args...)...)
		cmd.Env = h.env
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 1 || !strings.HasPrefix(string(out), "nixlxc: ") || !strings.Contains(string(out), "needs root") {
			t.Errorf("nixlxc %v as nobody: %v: %s", args, err, out)
		}
		if strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
			t.Errorf("nixlxc %v as nobody said more than one line: %s", args, out)
		}
	}
	if _, err := os.Stat(state); err == nil {
		t.Errorf("nixlxc run by nobody made %s", state)
	}
	// A relative state directory would be a new installation wherever
	// nixlxc runs: refused, as in config.json.
	cmd := exec.Command(binary, "--state-dir", "relative-state", "list")
	cmd.Env, cmd.Dir = h.env, h.dir
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "absolute path") {
		t.Errorf("a relative --state-dir: %v: %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "relative-state")); err == nil {
		t.Error("a relative --state-dir was made")
	}
	// A reader that goes away gets no error line (exit 141, as the shell's).
	r, w, _ := os.Pipe()
	r.Close()
	cmd = exec.Command(binary, "list", "--json")
	cmd.Env, cmd.Stdout = h.env, w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	h.must("create", "nrpipe", example("hello.nix"))
	err = cmd.Run()
	w.Close()
	if strings.Contains(stderr.String(), "broken pipe") {
		t.Errorf("list into a closed pipe said %q (%v)", stderr.String(), err)
	}
}

func TestCLIRestart(t *testing.T) {
	if !isolate(t) {
		return
	}
	h := newHost(t)
	h.busyboxInit()
	h.must("create", "clrst", example("hello.nix"))
	h.must("start", "clrst")
	before := h.initPID("clrst")
	h.must("restart", "clrst", "--stop-timeout", "20s", "--timeout", "1m")
	if s := strings.TrimSpace(h.must("state", "clrst")); s != "RUNNING" {
		t.Fatalf("state after restart: %s", s)
	}
	after := h.initPID("clrst")
	if after == before {
		t.Errorf("restart kept init %d", before)
	}
	if _, err := os.Stat(filepath.Join(h.stateDir, "lxc", "clrst", "run", "booted")); err != nil {
		t.Errorf("restart returned before the system booted: %v", err)
	}
	if r := h.nixlxcInput("echo in-$(hostname); exit 4\n", "root-login", "clrst"); r.code != 4 || !strings.Contains(r.stdout, "in-clrst") {
		t.Errorf("root-login: %s", r)
	}
	h.must("stop", "clrst")
	h.must("restart", "clrst")
	if s := strings.TrimSpace(h.must("state", "clrst")); s != "RUNNING" {
		t.Errorf("restart of a stopped container: %s", s)
	}
	h.fails(3, []string{"nope"}, "restart", "nope")
	h.fails(2, []string{"--timeout needs a value", "60s"}, "restart", "--timeout", "clrst")
}

// TestCLIDocs: what make installs, as a user reads it. make docs builds
// nixlxc with the commit and writes the man page and completions from it;
// man renders the page, and it says what help says; version names the
// commit, liblxc and Nix in use.
func TestCLIDocs(t *testing.T) {
	if os.Geteuid() != 0 || binary == "" {
		t.Skip("end-to-end tests need root (CI runs them as root)")
	}
	t.Parallel()
	man := needTool(t, "man")
	dir := t.TempDir()
	// make, as a user runs it, with an installation's variables set: they
	// are not the defaults the page documents.
	makeCmd := exec.Command("make", "-s", "docs")
	makeCmd.Dir = repoRoot
	makeCmd.Env = append(os.Environ(), "NIXLXC_STATE_DIR="+dir, "PATH=/usr/local/go/bin:"+os.Getenv("PATH"))
	if out, err := makeCmd.CombinedOutput(); err != nil {
		t.Fatalf("make docs: %v\n%s", err, out)
	}
	built := filepath.Join(repoRoot, "bin", "nixlxc")

	head, err := exec.Command("git", "-C", repoRoot, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	lxcVersion, _ := exec.Command("lxc-info", "--version").Output()
	nixVersion, _ := exec.Command("nix-instantiate", "--version").Output()
	nixFields := strings.Fields(string(nixVersion))
	for _, args := range [][]string{{built, "version"}, {built, "--version"}, {binary, "version"}} {
		out, err := exec.Command(args[0], args[1:]...).Output()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		got := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			k, v, _ := strings.Cut(l, " ")
			got[k] = v
		}
		if got["liblxc"] != strings.TrimSpace(string(lxcVersion)) || got["nix"] != nixFields[len(nixFields)-1] || !strings.HasPrefix(got["nixlxc"], "version ") {
			t.Errorf("%v:\n%s\nwant liblxc %s, nix %s", args, out, lxcVersion, nixFields[len(nixFields)-1])
		}
		if args[0] == built && got["commit"] != strings.TrimSpace(string(head)) {
			t.Errorf("%v: commit %q, want HEAD %s", args, got["commit"], head)
		}
	}

	// man ./bin/nixlxc.1, exactly as a user would read the file.
	cmd := exec.Command(man, "./bin/nixlxc.1")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "MANWIDTH=100", "MANPAGER=cat", "PAGER=cat", "LC_ALL=C.UTF-8")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	page, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("man ./bin/nixlxc.1: %v\n%s", err, stderr.String())
	}
	text := strings.Join(strings.Fields(string(page)), " ")
	if !strings.HasPrefix(text, "NIXLXC(1)") || !strings.Contains(text, "(default /var/lib/nixlxc, $NIXLXC_STATE_DIR)") {
		t.Errorf("the man page's head or --state-dir's default:\n%.600s", text)
	}
	// Every command's help, line for line, is in the page.
	var commands []string
	help, _ := exec.Command(built, "help").Output()
	for _, l := range strings.Split(string(help), "\n") {
		if strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "   ") && !strings.HasPrefix(l, "  -") {
			name := strings.TrimSuffix(strings.Fields(l)[0], ",")
			commands = append(commands, name)
		}
	}
	if len(commands) < 20 {
		t.Fatalf("help lists %d commands: %v", len(commands), commands)
	}
	for _, c := range commands {
		out, err := exec.Command(built, "help", c).Output()
		if err != nil {
			t.Errorf("help %s: %v", c, err)
			continue
		}
		for _, l := range strings.Split(string(out), "\n") {
			var said string
			switch {
			case strings.HasPrefix(l, "Usage: "):
				said = strings.TrimPrefix(l, "Usage: ")
			case strings.HasPrefix(l, "Example: "):
				said = l
			case strings.HasPrefix(l, "nixlxc ") && strings.Contains(l, " - "):
				_, said, _ = strings.Cut(l, " - ")
			default:
				continue
			}
			if said = strings.Join(strings.Fields(said), " "); !strings.Contains(text, said) {
				t.Errorf("help %s says %q; the man page does not", c, said)
			}
		}
	}
	for _, f := range []string{"completions/nixlxc.bash", "completions/_nixlxc", "completions/nixlxc.fish"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, "bin", f))
		if err != nil || !bytes.Contains(data, []byte("nixlxc")) {
			t.Errorf("make docs did not write bin/%s: %v", f, err)
		}
	}
}

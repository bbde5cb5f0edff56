package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// completionScript writes `nixlxc completion SHELL` to a file.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	out, stderr, code := runCLI(t, "completion", shell)
	if code != 0 {
		t.Fatalf("completion %s: exit %d: %s", shell, code, stderr)
	}
	p := filepath.Join(t.TempDir(), "nixlxc."+shell)
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeNixlxc stands in for nixlxc where the scripts ask for container
// names: it prints two names and records the arguments it got.
func fakeNixlxc(t *testing.T) (prog, argsFile string) {
	t.Helper()
	dir := t.TempDir()
	prog = filepath.Join(dir, "nixlxc")
	argsFile = filepath.Join(dir, "args")
	script := "#!/bin/sh\necho \"$*\" > " + argsFile + "\nprintf 'web\\nwiki\\ndb\\n'\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return prog, argsFile
}

// bashComplete drives the bash script as bash's completion does: it sets
// COMP_WORDS and COMP_CWORD (the cursor in the last word) and calls the
// function complete -p names.
func bashComplete(t *testing.T, script string, words ...string) []string {
	t.Helper()
	var quoted []string
	for _, w := range words {
		quoted = append(quoted, shellWord(w))
	}
	prog := `source "$1"
fn=$(complete -p nixlxc | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
COMP_WORDS=(` + strings.Join(quoted, " ") + `)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
"$fn" nixlxc "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"`
	out, err := exec.Command("bash", "-c", prog, "bash", script).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			got = append(got, l)
		}
	}
	return got
}

func TestBashCompletion(t *testing.T) {
	script := completionScript(t, "bash")
	if out, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	prog, argsFile := fakeNixlxc(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "web.nix"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	for _, c := range []struct {
		words []string
		want  string
	}{
		{[]string{prog, "sta"}, "start state status"},
		{[]string{prog, "ro"}, "rollback root-login"},
		{[]string{prog, "start", "w"}, "web wiki"},
		{[]string{prog, "root-login", ""}, "web wiki db"},
		{[]string{prog, "--state-dir", "/s", "stop", "--timeout", "10s", "d"}, "db"},
		{[]string{prog, "start", "--"}, "--timeout --no-wait --help"},
		{[]string{prog, "start", "--t"}, "--timeout"},
		{[]string{prog, "--st"}, "--state-dir"},
		{[]string{prog, "list", "--format", ""}, "table json csv yaml"},
		{[]string{prog, "list", "--format", "=", "y"}, "yaml"},
		{[]string{prog, "list", "-c", "name,s"}, "name,state name,system"},
		{[]string{prog, "start", "--state"}, "--state-dir"},
		{[]string{prog, "host", ""}, "setup teardown"},
		{[]string{prog, "host", "setup", "--"}, "--help"},
		{[]string{prog, "help", "ho"}, "host"},
		{[]string{prog, "help", "host", "t"}, "teardown"},
		{[]string{prog, "completion", ""}, "bash zsh fish"},
		{[]string{prog, "create", "web", dir + "/"}, dir + "/sub " + dir + "/web.nix"},
		{[]string{prog, "run", "web", "--", "l"}, ""},
		{[]string{prog, "list", ""}, ""},
		{[]string{prog, "start", "--timeout", ""}, ""},
	} {
		got := bashComplete(t, script, c.words...)
		if strings.Join(sorted(got), " ") != strings.Join(sorted(strings.Fields(c.want)), " ") {
			t.Errorf("%q: completes %q, want %q", c.words[1:], got, c.want)
		}
	}
	// The names come from the installation the command line names.
	os.Remove(argsFile)
	bashComplete(t, script, prog, "--state-dir", "/srv/s", "-v", "start", "--profile-dir", "/srv/p", "")
	args, _ := os.ReadFile(argsFile)
	if got := strings.TrimSpace(string(args)); got != "--state-dir /srv/s --profile-dir /srv/p list --no-header -c name" {
		t.Errorf("names asked with %q", got)
	}
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// zsh and fish parse their scripts, where they are installed (the test
// tools of scripts/setup-host.sh).
func TestZshFishCompletionParse(t *testing.T) {
	for _, c := range []struct{ shell, check string }{{"zsh", "-n"}, {"fish", "--no-execute"}} {
		path, err := exec.LookPath(c.shell)
		if err != nil {
			if os.Getenv("NIXLXC_TEST_TOOLS") != "" {
				t.Errorf("%s is missing (scripts/setup-host.sh --test-tools installs it)", c.shell)
			}
			continue
		}
		script := completionScript(t, c.shell)
		if out, err := exec.Command(path, c.check, script).CombinedOutput(); err != nil {
			t.Errorf("%s %s: %v\n%s", c.shell, c.check, err, out)
		}
	}
}

// fish answers `complete -C LINE` with what it would offer.
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		if os.Getenv("NIXLXC_TEST_TOOLS") != "" {
			t.Fatal("fish is missing (scripts/setup-host.sh --test-tools installs it)")
		}
		t.Skip("no fish")
	}
	script := completionScript(t, "fish")
	prog, argsFile := fakeNixlxc(t)
	for _, c := range []struct{ line, want string }{
		{"nixlxc sta", "start state status"},
		{"nixlxc start w", "web wiki"},
		{"nixlxc --state-dir /s stop d", "db"},
		{"nixlxc list --format ", "table json csv yaml"},
		{"nixlxc host ", "setup teardown"},
		{"nixlxc help host t", "teardown"},
		{"nixlxc completion ", "bash zsh fish"},
		{"nixlxc start --t", "--timeout"},
	} {
		// The fake stands in for nixlxc through PATH, as fish runs the
		// line's own first word.
		cmd := exec.Command(fish, "--no-config", "-c", "source $argv[1]; complete -C $argv[2]", script, c.line)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(prog)+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v\n%s", err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				w, _, _ := strings.Cut(l, "\t")
				got = append(got, w)
			}
		}
		if strings.Join(sorted(got), " ") != strings.Join(sorted(strings.Fields(c.want)), " ") {
			t.Errorf("%q: completes %q, want %q", c.line, got, c.want)
		}
	}
	os.Remove(argsFile)
	cmd := exec.Command(fish, "--no-config", "-c", "source $argv[1]; complete -C $argv[2]", script, "nixlxc --state-dir /srv/s start ")
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(prog)+":"+os.Getenv("PATH"))
	cmd.Run()
	if args, _ := os.ReadFile(argsFile); strings.TrimSpace(string(args)) != "--state-dir /srv/s list --no-header -c name" {
		t.Errorf("names asked with %q", args)
	}
}

// zshStubs stand in for zsh's completion system around _nixlxc: each
// prints what it would offer (the real _describe and compadd also filter
// by what is typed; zshComplete does).
const zshStubs = `compdef() { : }
_describe() { local arr=${@[-1]}; print -l -- ${(P)arr%%:*} }
compadd() { while [[ $1 == -* && $1 != -- ]]; do [[ $1 == -S ]] && shift; shift; done; [[ $1 == -- ]] && shift; print -l -- "$@" }
compset() { : }
_files() { print -- "FILES $*" }
source $1
shift
words=("$@")
CURRENT=$#words
_nixlxc
`

func zshComplete(t *testing.T, zsh, script string, words ...string) []string {
	t.Helper()
	out, err := exec.Command(zsh, append([]string{"-f", "-c", zshStubs, "zsh", script}, words...)...).CombinedOutput()
	if err != nil && len(out) > 0 {
		t.Fatalf("zsh: %v\n%s", err, out)
	}
	cur := words[len(words)-1]
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" && (strings.HasPrefix(l, cur) || strings.HasPrefix(l, "FILES")) {
			got = append(got, l)
		}
	}
	return got
}

func TestZshCompletion(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		if os.Getenv("NIXLXC_TEST_TOOLS") != "" {
			t.Fatal("zsh is missing (scripts/setup-host.sh --test-tools installs it)")
		}
		t.Skip("no zsh")
	}
	script := completionScript(t, "zsh")
	prog, argsFile := fakeNixlxc(t)
	for _, c := range []struct {
		words []string
		want  string
	}{
		{[]string{prog, "sta"}, "start state status"},
		{[]string{prog, "start", "w"}, "web wiki"},
		{[]string{prog, "--state-dir", "/s", "stop", "--timeout", "10s", "d"}, "db"},
		{[]string{prog, "start", "--t"}, "--timeout"},
		{[]string{prog, "list", "--format", ""}, "table json csv yaml"},
		{[]string{prog, "host", ""}, "setup teardown"},
		{[]string{prog, "help", "host", "t"}, "teardown"},
		{[]string{prog, "completion", ""}, "bash zsh fish"},
		{[]string{prog, "create", "web", ""}, "FILES -g *.nix"},
		{[]string{prog, "--state-dir", ""}, "FILES -/"},
		{[]string{prog, "start", "--timeout", ""}, ""},
		{[]string{prog, "run", "web", "--", ""}, ""},
	} {
		got := zshComplete(t, zsh, script, c.words...)
		want := strings.Fields(c.want)
		if strings.HasPrefix(c.want, "FILES") {
			want = []string{c.want}
		}
		if strings.Join(sorted(got), "|") != strings.Join(sorted(want), "|") {
			t.Errorf("%q: completes %q, want %q", c.words[1:], got, c.want)
		}
	}
	os.Remove(argsFile)
	zshComplete(t, zsh, script, prog, "--state-dir", "/srv/s", "start", "")
	if args, _ := os.ReadFile(argsFile); strings.TrimSpace(string(args)) != "--state-dir /srv/s list --no-header -c name" {
		t.Errorf("names asked with %q", args)
	}
}

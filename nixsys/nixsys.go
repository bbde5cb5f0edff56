// Package nixsys is nixlxc's only door to Nix's command-line tools: it reads a
// container file's settings with nix-instantiate and builds the container's
// system with nix-build, both through expressions embedded here.
//
// It passes the user's own Nix arguments through unchanged (nixcloud's -n),
// never through a shell, and turns Nix's error text into an error that names
// the problem on one line while keeping the full text for --verbose.
package nixsys

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nixlxc/nixlxc/internal/oneline"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nixlxc/nixlxc/atomicfile"
	"github.com/nixlxc/nixlxc/spec"
)

//go:embed nix/*.nix
var exprs embed.FS

// Nix runs nix-instantiate and nix-build.
type Nix struct {
	// Args are passed to every Nix command, e.g. "-I", "nixpkgs=/path".
	Args []string
	// ExprDir receives nixlxc's Nix expressions (they must be files: the
	// wrapper imports its container module by relative path).
	ExprDir string
	// Env, if set, replaces the environment of the Nix commands.
	Env []string
	// Allow are directories a restricted evaluation of a container's file
	// may read besides the file's own: a declared container's declaration
	// and its config file's directory (see restricted).
	Allow []string
}

// Error is a failed Nix command: a one-line summary and Nix's full output.
type Error struct {
	Op     string // what nixlxc was doing
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	if s := Summary(e.Stderr); s != "" {
		return e.Op + ": " + s
	}
	return e.Op + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Detail is Nix's own output, for users who ask for it.
func (e *Error) Detail() string { return e.Stderr }

// Compiled on first use: errors are rare, and every command starts.
var (
	errorLine  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^error:(.*)$`) })
	innerError = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s+error:(.*)$`) })
	atLine     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s+at (.+:\d+:\d+):$`) })
	logLine    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s+> (.*)$`) })
	trimFinish = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`;$`) })
)

// Summary condenses Nix's error output to one line: the error message,
// where it happened, and for a failed builder its last log line.
//
// Two layouts exist. Nix up to 2.12 prints `error: MESSAGE` then its
// location. Nix 2.13 and later print a bare `error:` and an indented trace
// (`… while evaluating ...`, each with its own `at FILE:L:C:`), and the
// message last, indented: `       error: MESSAGE`, then its location. A
// message that starts with a newline (NixOS's "Failed assertions:") is a
// bare `error:` in both, its lines indented below it.
func Summary(stderr string) string {
	lines := strings.Split(stderr, "\n")
	for i, l := range lines {
		m := errorLine().FindStringSubmatch(l)
		if m == nil {
			continue
		}
		msg, at := strings.TrimSpace(m[1]), i
		if msg == "" {
			// Nix 2.13+: the innermost (last) indented error is the message.
			for j := i + 1; j < len(lines); j++ {
				if im := innerError().FindStringSubmatch(lines[j]); im != nil {
					msg, at = strings.TrimSpace(im[1]), j
				}
			}
		}
		if msg == "" {
			msg = messageBelow(lines[at+1:])
		}
		msg = trimFinish().ReplaceAllString(msg, "")
		var lastLog string
		for _, rest := range lines[at+1:] {
			if a := atLine().FindStringSubmatch(rest); a != nil && !strings.Contains(msg, " at ") {
				msg += " at " + a[1]
			}
			if lg := logLine().FindStringSubmatch(rest); lg != nil {
				lastLog = strings.TrimSpace(lg[1])
			}
		}
		if lastLog != "" {
			msg += ": " + lastLog
		}
		return oneline.Clean(msg)
	}
	return ""
}

// messageBelow joins the lines of a message printed under a bare `error:`,
// up to the first blank line or location.
func messageBelow(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" && len(parts) == 0 {
			continue
		}
		if t == "" || atLine().MatchString(l) || strings.HasPrefix(t, "…") || strings.HasPrefix(t, "(") {
			break
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// ErrNix marks failures of the Nix tools themselves (missing, crashed).
var ErrNix = errors.New("nix")

func (n Nix) run(ctx context.Context, op, tool string, args ...string) (string, error) {
	return n.runReporting(ctx, op, tool, nil, args...)
}

// runReporting runs a Nix tool. With report, Nix logs in internal-json and
// what it reports reaches report as it happens; the error keeps the text
// Nix would have printed.
func (n Nix) runReporting(ctx context.Context, op, tool string, report func(Progress), args ...string) (string, error) {
	all := append(append([]string{}, args...), n.Args...)
	if report != nil {
		// Last, so it wins over a --log-format among the user's arguments.
		all = append(all, "--log-format", "internal-json")
	}
	cmd := exec.CommandContext(ctx, tool, all...)
	if n.Env != nil {
		cmd.Env = n.Env
	}
	// A nixlxc killed mid-build takes its build with it, instead of leaving
	// one that finishes after doctor has cleaned up. The parent death signal
	// follows the thread that started the command: keep it for the run.
	// SIGTERM, not SIGKILL: Nix then stops its builders and cleans up,
	// where a killed nix-build would leave a builder running on.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	// An interrupted command (^C, SIGTERM) stops its build the same way.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var log *progressLog
	if report != nil {
		log = newProgressLog(report)
		cmd.Stderr = nil
		pipe, err := cmd.StderrPipe()
		if err != nil {
			return "", err
		}
		if err := cmd.Start(); err != nil {
			return "", n.startError(tool, err)
		}
		eachLine(pipe, maxLogLine, log.line)
		err = cmd.Wait()
		if err != nil {
			return "", &Error{Op: op, Stderr: log.text.String(), Err: err}
		}
		return strings.TrimSpace(stdout.String()), nil
	}
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", n.startError(tool, err)
		}
		return "", &Error{Op: op, Stderr: stderr.String(), Err: err}
	}
	return strings.TrimSpace(stdout.String()), nil
}

func (n Nix) startError(tool string, err error) error {
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("%w: %s is not installed (run scripts/setup-host.sh)", ErrNix, tool)
	}
	return fmt.Errorf("%w: running %s: %v", ErrNix, tool, err)
}

// maxLogLine bounds one line of Nix's log that nixsys keeps: a builder
// decides how long its lines are.
const maxLogLine = 64 << 10

// eachLine calls fn with every line r yields, until r ends, each cut to
// max bytes; r is read to its end whatever the lines' lengths, so the
// writer never blocks on a full pipe.
func eachLine(r io.Reader, max int, fn func(string)) {
	br := bufio.NewReaderSize(r, 4096)
	var line []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if len(line) < max {
			line = append(line, chunk[:min(len(chunk), max-len(line))]...)
		}
		if err != nil {
			if len(line) > 0 {
				fn(string(line))
			}
			return
		}
		if !isPrefix {
			fn(string(line))
			line = line[:0]
		}
	}
}

// ensureExprs writes the embedded expressions to a directory named after
// their content, once, so concurrent nixlxc processes never see half a file.
func (n Nix) ensureExprs() (string, error) {
	h := sha256.New()
	names, _ := fs.Glob(exprs, "nix/*.nix")
	for _, name := range names {
		data, _ := exprs.ReadFile(name)
		h.Write([]byte(name))
		h.Write(data)
	}
	dir := filepath.Join(n.ExprDir, hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(dir, "system.nix")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, name := range names {
		data, _ := exprs.ReadFile(name)
		if err := atomicfile.WriteFile(filepath.Join(dir, filepath.Base(name)), data, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// restricted evaluates a container's file in Nix's restricted mode: it
// reads only what is on the search path (nixpkgs and what NIX_PATH and -n
// add), nixlxc's own expressions, the store (world-readable already), the
// file's own directory and the directories n.Allow adds. A config file must
// not read the host's files (builtins.readFile /etc/shadow) into the
// world-readable store, or into its container, as the root that runs the
// evaluation. (A flake is evaluated in Nix's pure mode already.)
//
// Each directory is a named search path entry (nixlxc-...=DIR): it opens
// the directory to the evaluation without changing what <nixpkgs> or any
// other <NAME> finds, as a bare DIR, searched first, would.
func (n Nix) restricted(exprDir string, configFiles ...string) []string {
	args := []string{"--option", "restrict-eval", "true",
		"-I", "nixlxc-exprs=" + exprDir,
		"-I", "nixlxc-store=" + storeDir}
	seen := map[string]bool{}
	for _, f := range configFiles {
		dir := f
		if st, err := os.Stat(f); err != nil || !st.IsDir() {
			dir = filepath.Dir(f)
		}
		if !seen[dir] {
			seen[dir] = true
			args = append(args, "-I", fmt.Sprintf("nixlxc-config-%d=%s", len(seen)-1, dir))
		}
	}
	for i, d := range n.Allow {
		args = append(args, "-I", fmt.Sprintf("nixlxc-allow-%d=%s", i, d))
	}
	return append(args, standinInit(exprDir)...)
}

// storeDir is the Nix store.
const storeDir = "/nix/store"

// standinInit hands the stand-in nixpkgs its NIXLXC_STANDIN_INIT, which
// restricted mode hides from builtins.getEnv, as a search path entry
// named after the choice (pointing at nixlxc's own expressions, which are
// on the search path anyway).
func standinInit(exprDir string) []string {
	v := os.Getenv("NIXLXC_STANDIN_INIT")
	if v == "" || strings.ContainsAny(v, "=:/ ") {
		return nil
	}
	return []string{"-I", "nixlxc-standin-init-" + v + "=" + exprDir}
}

// Settings reads the settings of a container file.
func (n Nix) Settings(ctx context.Context, configFile string) (spec.Evaluated, error) {
	var e spec.Evaluated
	dir, err := n.ensureExprs()
	if err != nil {
		return e, err
	}
	args := append([]string{"--eval", "--strict", "--json",
		filepath.Join(dir, "settings.nix"),
		"--argstr", "configFile", configFile}, n.restricted(dir, configFile)...)
	out, err := n.run(ctx, "reading "+configFile, "nix-instantiate", args...)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		return e, fmt.Errorf("reading %s: unexpected output of nix-instantiate: %w", configFile, err)
	}
	return e, nil
}

// Build is what a system build needs.
type Build struct {
	ConfigFile string
	// Flake, if set, is the source instead of ConfigFile: REF#ATTR, the
	// configuration REF#nixosConfigurations.ATTR.
	Flake       string
	Name        string
	IP          string // the container's hostonly IPv4 address, `ip` in modules
	Settings    spec.Settings
	Nameservers []string
	// StateVersion is system.stateVersion unless the configuration sets
	// it ("": nixpkgs' release).
	StateVersion string
	// OutLink keeps the result alive against a concurrent garbage collection
	// until the caller has made it a generation; the caller removes it.
	OutLink string
	// Progress, if set, hears what Nix does as it builds.
	Progress func(Progress)
}

// BuildSystem builds the container's system and returns its store path.
func (n Nix) BuildSystem(ctx context.Context, b Build) (string, error) {
	dir, err := n.ensureExprs()
	if err != nil {
		return "", err
	}
	ns, _ := json.Marshal(append([]string{}, b.Nameservers...))
	source := append([]string{filepath.Join(dir, "system.nix"), "--argstr", "configFile", b.ConfigFile}, n.restricted(dir, b.ConfigFile)...)
	if b.Flake != "" {
		ref, attr, err := splitFlake(b.Flake)
		if err != nil {
			return "", err
		}
		// builtins.getFlake fetches the inputs the lock file names.
		if err := n.confineFlake(ctx, ref); err != nil {
			return "", err
		}
		source = append([]string{filepath.Join(dir, "flake-system.nix"), "--argstr", "flake", ref, "--argstr", "attr", attr}, flakeFeatures...)
		source = append(source, restrictedFlake(dir)...)
	}
	args := append(source,
		// A container file's builders run in Nix's sandbox whatever the
		// host's nix.conf says: unsandboxed, a builder runs as root on the
		// host. (-n "--option sandbox false" comes after and still wins,
		// for a host where Nix cannot sandbox.)
		"--option", "sandbox", "true",
		"-Q", // without Progress, build logs only in the error, as "last N log lines"
		"--argstr", "name", b.Name,
		"--argstr", "ip", b.IP,
		"--argstr", "settingsJSON", b.Settings.JSON(),
		"--argstr", "nameserversJSON", string(ns),
		"--argstr", "stateVersion", b.StateVersion,
	)
	if b.OutLink != "" {
		args = append(args, "--out-link", b.OutLink)
	} else {
		args = append(args, "--no-out-link")
	}
	out, err := n.runReporting(ctx, "building the system of "+b.Name, "nix-build", b.Progress, args...)
	if err != nil {
		return "", err
	}
	lines := strings.Split(out, "\n")
	path := strings.TrimSpace(lines[len(lines)-1])
	if !strings.HasPrefix(path, "/nix/store/") {
		return "", fmt.Errorf("building the system of %s: nix-build printed %q, not a store path", b.Name, path)
	}
	return path, nil
}

// SplitArgs splits nixcloud-style pass-through arguments ("-I nixpkgs=/x")
// into words, honouring single and double quotes; no shell is involved.
func SplitArgs(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote = r
			inWord = true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in Nix arguments %q", quote, s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

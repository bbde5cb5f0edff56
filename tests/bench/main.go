// Command bench measures nixlxc side by side with raw LXC in one run, and how
// its cost grows with the host's load. It is modelled on incus-benchmark:
// phases (create, start, stop, destroy, launch) with --count and --parallel,
// a CSV report (timestamp, elapsed ms, label, success) and a summary of the
// median, min and max per label. `make bench` runs every figure of
// BENCHMARKS.md in a private network namespace.
//
// It times the real nixlxc binary and LXC's own lxc-* tools as processes;
// the IPAM and profile figures call the packages directly, against the same
// operations done by nix-env. Nothing here asserts a time.
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nixlxc/nixlxc/internal/standin"
)

func main() {
	nixlxc := flag.String("nixlxc", "bin/nixlxc", "the nixlxc binary to measure")
	out := flag.String("out", "bench-results", "directory for the CSV reports")
	count := flag.Int("count", 30, "repetitions (phases: containers)")
	parallel := flag.Int("parallel", 1, "phases: containers handled at once")
	containers := flag.Int("containers", 500, "list: containers on the host")
	launches := flag.Int("launches", 100, "launch: containers launched per parallelism level")
	before := flag.String("before", "", "an earlier nixlxc binary, measured in the same rounds (start, run, memory)")
	density := flag.Int("density", 1000, "density: idle containers started on the host")
	ipamWorker := flag.String("ipam-worker", "", "internal: allocate from this database")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: bench [flags] FIGURE...\nfigures: start run memory systemd network ipam list generations launch density phases all\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *ipamWorker != "" {
		os.Exit(ipamWorkerMain(*ipamWorker, *count))
	}
	figures := flag.Args()
	if len(figures) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if len(figures) == 1 && figures[0] == "all" {
		figures = []string{"start", "run", "memory", "systemd", "network", "ipam", "generations", "list", "launch", "density"}
	}
	abs, err := filepath.Abs(*nixlxc)
	if err != nil {
		fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	b := &bench{nixlxc: abs, out: *out, count: *count, parallel: *parallel, containers: *containers, launches: *launches, density: *density}
	if *before != "" {
		if b.before, err = filepath.Abs(*before); err != nil {
			fatal(err)
		}
	}
	for _, f := range figures {
		fn, ok := map[string]func() error{
			"start": b.figStart, "run": b.figRun, "memory": b.figMemory, "systemd": b.figSystemd,
			"network": b.figNetwork, "ipam": b.figIPAM, "list": b.figList, "generations": b.figGenerations,
			"launch": b.figLaunch, "density": b.figDensity, "phases": b.figPhases,
		}[f]
		if !ok {
			fatal(fmt.Errorf("unknown figure %q", f))
		}
		fmt.Printf("\n=== %s\n", f)
		b.rec = newRecorder()
		err := fn()
		if werr := b.rec.writeCSV(filepath.Join(b.out, f+".csv")); werr != nil && err == nil {
			err = werr
		}
		b.rec.summary(os.Stdout)
		for _, n := range b.rec.notes {
			fmt.Println(n)
		}
		if err != nil {
			fatal(fmt.Errorf("%s: %w", f, err))
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

type bench struct {
	nixlxc     string
	before     string // an earlier nixlxc, or ""
	out        string
	count      int
	parallel   int
	containers int
	launches   int
	density    int
	rec        *recorder
}

// sample is one timed operation: a CSV row.
type sample struct {
	at      time.Time
	elapsed time.Duration
	label   string
	ok      bool
}

type recorder struct {
	mu      sync.Mutex
	samples []sample
	labels  []string
	notes   []string
}

func newRecorder() *recorder { return &recorder{} }

func (r *recorder) add(s sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	known := false
	for _, l := range r.labels {
		known = known || l == s.label
	}
	if !known {
		r.labels = append(r.labels, s.label)
	}
	r.samples = append(r.samples, s)
}

func (r *recorder) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// durations returns the samples of label, successful ones only.
func (r *recorder) durations(label string) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ds []time.Duration
	for _, s := range r.samples {
		if s.label == label && s.ok {
			ds = append(ds, s.elapsed)
		}
	}
	return ds
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// quantile is the q-quantile of ds (0 <= q <= 1), nearest rank.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

// ratios are the per-round ratios ours[i]/theirs[i] of two series measured
// in the same rounds: drift on the machine hits both sides of a round
// alike, so their median and quartiles say more than a ratio of medians.
type ratios []float64

func pairRatios(ours, theirs []time.Duration) ratios {
	var r ratios
	for i := 0; i < len(ours) && i < len(theirs); i++ {
		if theirs[i] > 0 && ours[i] > 0 {
			r = append(r, float64(ours[i])/float64(theirs[i]))
		}
	}
	sort.Float64s(r)
	return r
}

func (r ratios) q(q float64) float64 {
	if len(r) == 0 {
		return 0
	}
	return r[int(q*float64(len(r)-1)+0.5)]
}

// String is "median (quartiles p25-p75, n rounds)".
func (r ratios) String() string {
	return fmt.Sprintf("%.2fx (quartiles %.2f-%.2f, %d rounds)", r.q(0.5), r.q(0.25), r.q(0.75), len(r))
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 3, 64)
}

func (r *recorder) writeCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	w.Write([]string{"timestamp", "elapsed_ms", "label", "success"})
	for _, s := range r.samples {
		w.Write([]string{s.at.UTC().Format(time.RFC3339Nano), ms(s.elapsed), s.label, strconv.FormatBool(s.ok)})
	}
	w.Flush()
	return w.Error()
}

func (r *recorder) summary(w *os.File) {
	fmt.Fprintf(w, "%-58s %5s %9s %9s %9s %9s %9s %6s\n", "label", "n", "median ms", "min", "p25", "p75", "max", "failed")
	for _, l := range r.labels {
		ds := r.durations(l)
		failed := 0
		r.mu.Lock()
		for _, s := range r.samples {
			if s.label == l && !s.ok {
				failed++
			}
		}
		r.mu.Unlock()
		if len(ds) == 0 {
			fmt.Fprintf(w, "%-58s %5d %9s %9s %9s %9s %9s %6d\n", l, 0, "-", "-", "-", "-", "-", failed)
			continue
		}
		fmt.Fprintf(w, "%-58s %5d %9s %9s %9s %9s %9s %6d\n", l, len(ds), ms(median(ds)), ms(quantile(ds, 0)),
			ms(quantile(ds, 0.25)), ms(quantile(ds, 0.75)), ms(quantile(ds, 1)), failed)
	}
}

// env is one nixlxc installation of the benchmark, in a temp directory.
type env struct {
	b    *bench
	dir  string
	vars []string
}

func (b *bench) newEnv(hostJSON string) (*env, error) {
	dir, err := os.MkdirTemp("", "nixlxc-bench-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	wd, _ := os.Getwd()
	e := &env{b: b, dir: dir, vars: append(os.Environ(),
		"NIXLXC_STATE_DIR="+filepath.Join(dir, "state"),
		"NIXLXC_PROFILE_DIR="+filepath.Join(dir, "profiles"),
		"NIXLXC_HOST_CONFIG="+filepath.Join(dir, "host.json"),
		"NIX_PATH="+standin.NixPath(wd),
		// The figures measure nixlxc, with the stand-in's lightest init;
		// figure 1 boots systemd too (systemdInit).
		"NIXLXC_STANDIN_INIT=busybox",
	)}
	if hostJSON != "" {
		if err := os.WriteFile(filepath.Join(dir, "host.json"), []byte(hostJSON), 0o644); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *env) lxcpath() string { return filepath.Join(e.dir, "state", "lxc") }

// close destroys every container of the installation and removes it.
func (e *env) close() {
	var infos []struct {
		Name string `json:"name"`
	}
	out, _ := e.cmd(e.b.nixlxc, "list", "--json").Output()
	json.Unmarshal(out, &infos)
	e.parallel(4, len(infos), func(i int) { e.cmd(e.b.nixlxc, "destroy", "--force", infos[i].Name).Run() })
	e.cmd(e.b.nixlxc, "host", "teardown", "--force").Run()
	os.RemoveAll(e.dir)
}

func (e *env) cmd(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = e.vars
	return c
}

func (e *env) file(name, content string) string {
	p := filepath.Join(e.dir, name)
	os.WriteFile(p, []byte(content), 0o644)
	return p
}

// result is a finished command.
type result struct {
	elapsed time.Duration
	err     error
	stderr  string
	maxRSS  int64 // KiB
}

// run times a command; the label records it unless empty.
func (e *env) run(label string, name string, args ...string) result {
	return e.runEnv(label, nil, name, args...)
}

// runEnv is run with extra environment variables.
func (e *env) runEnv(label string, extra []string, name string, args ...string) result {
	c := e.cmd(name, args...)
	c.Env = append(c.Env, extra...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	start := time.Now()
	err := c.Run()
	r := result{elapsed: time.Since(start), err: err, stderr: stderr.String()}
	if err != nil {
		r.err = fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	if c.ProcessState != nil {
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = ru.Maxrss
		}
	}
	if label != "" {
		e.b.rec.add(sample{at: start, elapsed: r.elapsed, label: label, ok: err == nil})
	}
	return r
}

// must is run for set-up steps, which must work.
func (e *env) must(name string, args ...string) result {
	r := e.run("", name, args...)
	if r.err != nil {
		fatal(r.err)
	}
	return r
}

func (e *env) nixlxc(label string, args ...string) result { return e.run(label, e.b.nixlxc, args...) }
func (e *env) mustNixlxc(args ...string) result           { return e.must(e.b.nixlxc, args...) }

// parallel runs fn(0..n-1) with at most p at a time.
func (e *env) parallel(p, n int, fn func(i int)) {
	if p < 1 {
		p = 1
	}
	sem := make(chan struct{}, p)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}(i)
	}
	wg.Wait()
}

// systemdInit makes a build boot systemd, as a real NixOS does.
var systemdInit = []string{"NIXLXC_STANDIN_INIT=systemd"}

const hostonlyConfig = `{ pkgs, name, ... }: {
  systemd.services.idle = { wantedBy = [ "multi-user.target" ]; script = "exec sleep 2147483647"; };
}`

const natConfig = `{ network.enableNat = true; configuration = { ... }: { }; }`

const v6Host = `{ "ipv6": { "enable": true, "ipv6InternetInterfaceAddress": "2001:db8:b::1", "ipv6Prefix": "2001:db8:b::", "ipv6PrefixLength": 64 } }`

// traceSteps reads NIXLXC_TRACE's "nixlxc trace: STEP MS ms" lines.
func traceSteps(stderr string) map[string]time.Duration {
	steps := map[string]time.Duration{}
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 5 && f[0] == "nixlxc" && f[1] == "trace:" {
			v, err := strconv.ParseFloat(f[3], 64)
			if err == nil {
				steps[f[2]] = time.Duration(v * float64(time.Millisecond))
			}
		}
	}
	return steps
}

// Figure 1: nixlxc start to RUNNING and to booted, against lxc-start -d and
// lxc-wait -s RUNNING on the same container (rootfs and config), in the same
// rounds so drift hits both alike; with -before, an earlier nixlxc starting
// a container of its own (a config is rendered for the binary that starts
// it) in the same rounds too.
func (b *bench) figStart() error {
	e, err := b.newEnv("")
	if err != nil {
		return err
	}
	defer e.close()
	conf := e.file("c.nix", hostonlyConfig)
	e.mustNixlxc("create", "bstart", conf)
	e.mustNixlxc("start", "bstart")
	e.mustNixlxc("terminate", "bstart")
	if b.before != "" {
		e.mustNixlxc("create", "bstartb", conf)
		e.must(b.before, "start", "bstartb")
		e.must(b.before, "terminate", "bstartb")
	}
	p := e.lxcpath()
	const (
		ours   = "nixlxc start --no-wait (RUNNING)"
		raw    = "lxc-start -d + lxc-wait -s RUNNING"
		before = "before: nixlxc start --no-wait (RUNNING)"
	)
	steps := []func() error{
		func() error {
			r := e.runEnv(ours, []string{"NIXLXC_TRACE=1"}, b.nixlxc, "start", "--no-wait", "bstart")
			if r.err != nil {
				return r.err
			}
			for step, d := range traceSteps(r.stderr) {
				b.rec.add(sample{at: time.Now(), elapsed: d, label: "  of which nixlxc step: " + step, ok: true})
			}
			e.mustNixlxc("terminate", "bstart")
			return nil
		},
		func() error {
			start := time.Now()
			err1 := e.cmd("lxc-start", "-P", p, "-n", "bstart", "-d").Run()
			err2 := e.cmd("lxc-wait", "-P", p, "-n", "bstart", "-s", "RUNNING").Run()
			b.rec.add(sample{at: start, elapsed: time.Since(start), label: raw, ok: err1 == nil && err2 == nil})
			e.must("lxc-stop", "-P", p, "-n", "bstart", "-k")
			return nil
		},
	}
	if b.before != "" {
		steps = append(steps, func() error {
			if r := e.run(before, b.before, "start", "--no-wait", "bstartb"); r.err != nil {
				return r.err
			}
			e.must(b.before, "terminate", "bstartb")
			return nil
		})
	}
	steps = append(steps, func() error {
		if r := e.nixlxc("nixlxc start (booted)", "start", "bstart"); r.err != nil {
			return r.err
		}
		e.mustNixlxc("terminate", "bstart")
		return nil
	})
	if err := inTurn(b.count, steps); err != nil {
		return err
	}
	b.noteRatio("RUNNING", ours, raw, "raw LXC", 1.05)
	if b.before != "" {
		b.noteRatio("RUNNING, before", before, raw, "raw LXC", 1.05)
	}
	return nil
}

// inTurn runs the steps of each of rounds rounds, each round beginning one
// step later than the one before: whichever step runs first in a round
// (after the previous round's last) was measured slower, whatever binary
// it ran (BENCHMARKS.md, 2026-12-02), so each takes every place in turn.
func inTurn(rounds int, steps []func() error) error {
	for i := 0; i < rounds; i++ {
		for j := range steps {
			if err := steps[(i+j)%len(steps)](); err != nil {
				return err
			}
		}
	}
	return nil
}

// noteRatio notes ours against the best peer's label: the medians, their
// ratio, and the per-round ratios' median and quartiles.
func (b *bench) noteRatio(what, ours, peer, peerName string, target float64) {
	o, p := b.rec.durations(ours), b.rec.durations(peer)
	// The minimums are the rounds the machine's other load spared most.
	b.rec.note("%s: nixlxc %s ms against %s %s ms (medians): %.2fx; per round %s; minimums %s against %s ms: %.2fx; target %.2fx",
		what, ms(median(o)), peerName, ms(median(p)), float64(median(o))/float64(median(p)), pairRatios(o, p),
		ms(quantile(o, 0)), ms(quantile(p, 0)), float64(quantile(o, 0))/float64(quantile(p, 0)), target)
}

// Figure 2: network setup per container. nixlxc's own part (leases, host
// check, stale veth cleanup) from its step timings; LXC's part (veths,
// addresses, bridge attach) as raw lxc-start with the container's network
// against the same config without it; and every process exec'd during a
// start, from strace.
func (b *bench) figNetwork() error {
	e, err := b.newEnv(v6Host)
	if err != nil {
		return err
	}
	defer e.close()
	conf := e.file("nat.nix", natConfig)
	e.mustNixlxc("create", "bnet", conf)
	e.mustNixlxc("start", "bnet")
	e.mustNixlxc("terminate", "bnet")

	// The same rootfs and config, without the two interfaces.
	p := e.lxcpath()
	bare := filepath.Join(e.dir, "bare")
	os.MkdirAll(filepath.Join(bare, "bnet"), 0o711)
	os.Chmod(bare, 0o711)
	cfg, err := os.ReadFile(filepath.Join(p, "bnet", "config"))
	if err != nil {
		return err
	}
	var lines []string
	for _, l := range strings.Split(string(cfg), "\n") {
		if !strings.HasPrefix(l, "lxc.net.") {
			lines = append(lines, l)
		}
	}
	lines = append(lines, "lxc.net.0.type = empty")
	os.WriteFile(filepath.Join(bare, "bnet", "config"), []byte(strings.Join(lines, "\n")+"\n"), 0o600)

	for i := 0; i < b.count; i++ {
		// A usual start: the rendered config is current, nixlxc does no
		// network work of its own before LXC's.
		r := e.runEnv("nixlxc start --no-wait, config current (RUNNING)", []string{"NIXLXC_TRACE=1"}, b.nixlxc, "start", "--no-wait", "bnet")
		if r.err != nil {
			return r.err
		}
		if _, did := traceSteps(r.stderr)["network"]; did {
			b.rec.note("a start with a current config did network work: %s", r.stderr)
		}
		e.mustNixlxc("terminate", "bnet")
		// The first start after something changed (update, host config):
		// leases checked, host network checked, stale veths removed, the
		// config rendered again.
		os.Remove(filepath.Join(p, "bnet", "config.key"))
		r = e.runEnv("nixlxc start --no-wait, config re-rendered (RUNNING)", []string{"NIXLXC_TRACE=1"}, b.nixlxc, "start", "--no-wait", "bnet")
		if r.err != nil {
			return r.err
		}
		if d, ok := traceSteps(r.stderr)["network"]; ok {
			b.rec.add(sample{at: time.Now(), elapsed: d, label: "  nixlxc's own network step when re-rendering", ok: true})
		}
		e.mustNixlxc("terminate", "bnet")
		for _, v := range []struct{ path, label string }{{p, "lxc-start with 2 veths (RUNNING)"}, {bare, "lxc-start without network (RUNNING)"}} {
			start := time.Now()
			err1 := e.cmd("lxc-start", "-P", v.path, "-n", "bnet", "-d").Run()
			err2 := e.cmd("lxc-wait", "-P", v.path, "-n", "bnet", "-s", "RUNNING").Run()
			b.rec.add(sample{at: start, elapsed: time.Since(start), label: v.label, ok: err1 == nil && err2 == nil})
			e.must("lxc-stop", "-P", v.path, "-n", "bnet", "-k")
		}
	}
	withNet := median(b.rec.durations("lxc-start with 2 veths (RUNNING)"))
	without := median(b.rec.durations("lxc-start without network (RUNNING)"))
	own := median(b.rec.durations("  nixlxc's own network step when re-rendering"))
	b.rec.note("network per container: LXC's veths, addresses and bridge attach %s ms (median difference with and without them); nixlxc's own: none on a usual start, %s ms when the config is re-rendered; total at most %s ms (target 5 ms)",
		ms(withNet-without), ms(own), ms(own+withNet-without))

	// Every exec during a start.
	if _, err := exec.LookPath("strace"); err != nil {
		b.rec.note("execve count: strace is not installed (scripts/bench.sh installs it)")
		return nil
	}
	// strace -f follows liblxc's monitor, which outlives the command: stop
	// tracing (SIGKILL detaches the tracees) once nixlxc itself has exited.
	log := filepath.Join(e.dir, "strace")
	tr := e.cmd("strace", "-f", "-qq", "-e", "trace=execve,exit_group", "-o", log, b.nixlxc, "start", "--no-wait", "bnet")
	if err := tr.Start(); err != nil {
		return err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		data, _ := os.ReadFile(log)
		lines := strings.SplitN(string(data), "\n", 2)
		if len(lines) == 0 || lines[0] == "" {
			continue
		}
		first := strings.Fields(lines[0])[0]
		if strings.Contains(string(data), "\n"+first+" +++ exited") {
			break
		}
	}
	tr.Process.Kill()
	tr.Wait()
	data, _ := os.ReadFile(log)
	var programs []string
	networking := 0
	for _, l := range strings.Split(string(data), "\n") {
		i := strings.Index(l, `execve("`)
		if i < 0 || strings.Contains(l, "ENOENT") {
			continue
		}
		prog := strings.SplitN(l[i+8:], `"`, 2)[0]
		if prog == b.nixlxc {
			continue
		}
		// From the container's init on, the execs are the container's own.
		if strings.HasSuffix(prog, "/system/init") {
			break
		}
		programs = append(programs, filepath.Base(prog))
		switch filepath.Base(prog) {
		case "ip", "iptables", "ip6tables", "nft", "brctl", "bridge", "sysctl", "tc":
			networking++
		}
	}
	e.mustNixlxc("terminate", "bnet")
	b.rec.note("processes exec'd during a start (besides nixlxc): %d %v; for networking: %d (target 0)", len(programs), programs, networking)
	return nil
}

// Figure 4: list with many containers, state of one.
func (b *bench) figList() error {
	e, err := b.newEnv("")
	if err != nil {
		return err
	}
	defer e.close()
	conf := e.file("c.nix", `{ ... }: { }`)
	fmt.Printf("creating %d containers...\n", b.containers)
	var failed int
	var mu sync.Mutex
	e.parallel(4, b.containers, func(i int) {
		if r := e.nixlxc("create (while filling the host)", "create", fmt.Sprintf("l%d", i), conf); r.err != nil {
			mu.Lock()
			failed++
			mu.Unlock()
		}
	})
	if failed > 0 {
		return fmt.Errorf("%d creates failed", failed)
	}
	// A few running, as on a real host.
	for i := 0; i < 5; i++ {
		e.mustNixlxc("start", fmt.Sprintf("l%d", i))
	}
	var rss []int64
	for i := 0; i < b.count; i++ {
		r := e.nixlxc(fmt.Sprintf("nixlxc list (%d containers)", b.containers), "list")
		rss = append(rss, r.maxRSS)
		e.nixlxc("nixlxc state (one container)", "state", fmt.Sprintf("l%d", b.containers/2))
		e.nixlxc("nixlxc list --json", "list", "--json")
	}
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	b.rec.note("peak RSS of nixlxc list with %d containers: %d KiB (median)", b.containers, rss[len(rss)/2])
	return nil
}

// Figure 5: a generation switch and rollback without the build, by nixlxc
// on a stopped container, against nix-env --switch-generation on the same
// profile.
func (b *bench) figGenerations() error {
	e, err := b.newEnv("")
	if err != nil {
		return err
	}
	defer e.close()
	e.mustNixlxc("create", "bgen", e.file("a.nix", `{ ... }: { environment.etc.a.text = "a"; }`))
	e.mustNixlxc("update", "bgen", e.file("b.nix", `{ ... }: { environment.etc.a.text = "b"; }`))
	profile := filepath.Join(e.dir, "profiles", "bgen", "system")
	for i := 0; i < b.count; i++ {
		start := time.Now()
		r1 := e.nixlxc("", "switch-generation", "bgen", "1")
		r2 := e.nixlxc("", "switch-generation", "bgen", "2")
		b.rec.add(sample{at: start, elapsed: time.Since(start), label: "nixlxc switch-generation 1, then 2 (two commands)", ok: r1.err == nil && r2.err == nil})

		start = time.Now()
		r1 = e.nixlxc("", "rollback", "bgen")
		r2 = e.nixlxc("", "switch-generation", "bgen", "2")
		b.rec.add(sample{at: start, elapsed: time.Since(start), label: "nixlxc rollback, then switch-generation 2", ok: r1.err == nil && r2.err == nil})

		start = time.Now()
		err1 := e.cmd("nix-env", "-p", profile, "--switch-generation", "1").Run()
		err2 := e.cmd("nix-env", "-p", profile, "--switch-generation", "2").Run()
		b.rec.add(sample{at: start, elapsed: time.Since(start), label: "nix-env --switch-generation 1, then 2", ok: err1 == nil && err2 == nil})
	}
	b.rec.note("the profile operations alone, in-process: go test ./generations -bench . (BenchmarkSwitchRollback vs BenchmarkNixEnvSwitchRollback)")
	return nil
}

// Figure 6: launch (create + start until booted) throughput for many
// containers at several parallelisms, and whether a launch costs more when
// the host already has many containers.
func (b *bench) figLaunch() error {
	for _, p := range []int{1, 2, 4} {
		e, err := b.newEnv("")
		if err != nil {
			return err
		}
		conf := e.file("c.nix", hostonlyConfig)
		label := fmt.Sprintf("launch at parallel %d", p)
		start := time.Now()
		var failed int
		var mu sync.Mutex
		e.parallel(p, b.launches, func(i int) {
			name := fmt.Sprintf("b%d", i)
			t := time.Now()
			r1 := e.nixlxc("", "create", name, conf)
			r2 := result{err: r1.err}
			if r1.err == nil {
				r2 = e.nixlxc("", "start", name)
			}
			ok := r1.err == nil && r2.err == nil
			b.rec.add(sample{at: t, elapsed: time.Since(t), label: label, ok: ok})
			if !ok {
				mu.Lock()
				failed++
				mu.Unlock()
				if r1.err != nil {
					b.rec.note("launch %s failed: %v", name, r1.err)
				} else {
					b.rec.note("launch %s failed: %v", name, r2.err)
				}
			}
		})
		wall := time.Since(start)
		b.rec.mu.Lock()
		var first, last []time.Duration
		var mine []sample
		for _, s := range b.rec.samples {
			if s.label == label && s.ok {
				mine = append(mine, s)
			}
		}
		b.rec.mu.Unlock()
		sort.Slice(mine, func(i, j int) bool { return mine[i].at.Before(mine[j].at) })
		for i, s := range mine {
			if i < 10 {
				first = append(first, s.elapsed)
			}
			if i >= len(mine)-10 {
				last = append(last, s.elapsed)
			}
		}
		b.rec.note("parallel %d: %d containers in %.1f s = %.2f containers/s; median launch of the first 10 %s ms, of the last 10 (with %d on the host) %s ms; %d failed",
			p, b.launches, wall.Seconds(), float64(len(mine))/wall.Seconds(), ms(median(first)), b.launches-10, ms(median(last)), failed)
		dstart := time.Now()
		e.parallel(p, b.launches, func(i int) {
			e.nixlxc(fmt.Sprintf("destroy --force at parallel %d", p), "destroy", "--force", fmt.Sprintf("b%d", i))
		})
		b.rec.note("parallel %d: destroying %d took %.1f s", p, b.launches, time.Since(dstart).Seconds())
		e.close()
	}
	return nil
}

func dropCaches() { os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0o200) }

func memAvailable() int64 {
	data, _ := os.ReadFile("/proc/meminfo")
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemAvailable:" {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	return 0
}

// phases is incus-benchmark's shape: create, start, stop, destroy, then
// launch (create + start) anew, each over --count containers, --parallel at
// a time.
func (b *bench) figPhases() error {
	e, err := b.newEnv("")
	if err != nil {
		return err
	}
	defer e.close()
	conf := e.file("c.nix", hostonlyConfig)
	names := make([]string, b.count)
	for i := range names {
		names[i] = fmt.Sprintf("p%d", i)
	}
	for _, phase := range [][]string{{"create", "create"}, {"start", "start"}, {"stop", "stop"}, {"destroy", "destroy"}} {
		start := time.Now()
		e.parallel(b.parallel, len(names), func(i int) {
			args := []string{phase[1], names[i]}
			if phase[1] == "create" {
				args = append(args, conf)
			}
			e.nixlxc(phase[0], args...)
		})
		b.rec.note("%s: %d containers at parallel %d in %.2f s", phase[0], len(names), b.parallel, time.Since(start).Seconds())
	}
	start := time.Now()
	e.parallel(b.parallel, len(names), func(i int) {
		t := time.Now()
		r1 := e.nixlxc("", "create", names[i], conf)
		ok := r1.err == nil && e.nixlxc("", "start", names[i]).err == nil
		b.rec.add(sample{at: t, elapsed: time.Since(t), label: "launch", ok: ok})
	})
	b.rec.note("launch: %d containers at parallel %d in %.2f s", len(names), b.parallel, time.Since(start).Seconds())
	return nil
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

const densityConfig = `{ autostart = true; configuration = { pkgs, name, ... }: {
  systemd.services.idle = { wantedBy = [ "multi-user.target" ]; script = "exec sleep 2147483647"; };
}; }`

// Figure 10: density. -density idle containers (busybox init, autostart
// set) launched (create + start until booted) 4 at a time, in quarters;
// after each quarter, at that count: the launch rate, memory per
// container, and how long list, info and an autostart that finds every
// container running take, so growth with the count shows. At the full
// count, shutdown-all and an autostart that starts them all again.
func (b *bench) figDensity() error {
	e, err := b.newEnv("")
	if err != nil {
		return err
	}
	defer e.close()
	conf := e.file("c.nix", densityConfig)
	const parallel = 4
	n := b.density
	dropCaches()
	availBefore := memAvailable()
	launched := 0
	for q := 1; q <= 4; q++ {
		upto := n * q / 4
		label := fmt.Sprintf("launch, containers %d-%d", launched+1, upto)
		from := launched
		qstart := time.Now()
		var failed []string
		e.parallel(parallel, upto-from, func(i int) {
			name := fmt.Sprintf("d%d", from+i)
			t := time.Now()
			r := e.nixlxc("", "create", name, conf)
			if r.err == nil {
				r = e.nixlxc("", "start", name)
			}
			b.rec.add(sample{at: t, elapsed: time.Since(t), label: label, ok: r.err == nil})
			if r.err != nil {
				b.rec.mu.Lock()
				failed = append(failed, r.err.Error())
				b.rec.mu.Unlock()
			}
		})
		wall := time.Since(qstart)
		launched = upto
		for _, f := range failed {
			b.rec.note("launch failed: %s", f)
		}
		running := e.running()
		for i := 0; i < 5; i++ {
			e.nixlxc(fmt.Sprintf("list, %d containers", upto), "list")
			e.nixlxc(fmt.Sprintf("list --json, %d containers", upto), "list", "--json")
		}
		info := "no info command yet (issue 15)"
		if r := e.nixlxc("", "info", "d0"); r.err == nil {
			for i := 0; i < 5; i++ {
				e.nixlxc(fmt.Sprintf("info NAME, %d containers", upto), "info", "d0")
			}
			info = fmt.Sprintf("info %s ms", ms(median(b.rec.durations(fmt.Sprintf("info NAME, %d containers", upto)))))
		}
		for i := 0; i < 3; i++ {
			if r := e.nixlxc(fmt.Sprintf("autostart, %d containers, all up", upto), "autostart"); r.err != nil {
				b.rec.note("autostart at %d: %v", upto, r.err)
			}
			// The same query for one container: what the machine's load
			// alone does to the figures above.
			e.nixlxc(fmt.Sprintf("state NAME, %d containers (control)", upto), "state", "d0")
		}
		var mems []containerMem
		for i := 0; i < 10; i++ {
			if m, err := measureContainer(e, fmt.Sprintf("d%d", i*upto/10)); err == nil {
				mems = append(mems, m)
			}
		}
		dropCaches()
		avail := (availBefore - memAvailable()) / int64(max(running, 1))
		list := median(b.rec.durations(fmt.Sprintf("list, %d containers", upto)))
		auto := median(b.rec.durations(fmt.Sprintf("autostart, %d containers, all up", upto)))
		load, _ := os.ReadFile("/proc/loadavg")
		b.rec.note("load average at %d: %s", upto, strings.TrimSpace(string(load)))
		b.rec.note("at %d containers (%d running): launch rate %.1f containers/s (containers %d-%d, %d failed); list %s ms (%.3f ms per container); %s; autostart with all up %s ms (%.3f ms per container); memory per container %d KiB (total, median of %d sampled), %d KiB by MemAvailable",
			upto, running, float64(upto-from-len(failed))/wall.Seconds(), from+1, upto, len(failed),
			ms(list), float64(list.Microseconds())/1000/float64(upto), info,
			ms(auto), float64(auto.Microseconds())/1000/float64(upto), medianTotal(mems), len(mems), avail)
		if len(failed) > (upto-from)/10 {
			b.rec.note("more than a tenth of the launches failed: no more launches")
			n = upto
			break
		}
	}
	start := time.Now()
	if r := e.nixlxc("", "shutdown-all", "--parallel", fmt.Sprint(parallel)); r.err != nil {
		b.rec.note("shutdown-all at %d: %v", n, r.err)
	}
	b.rec.note("shutdown-all of %d at parallel %d: %.1f s", n, parallel, time.Since(start).Seconds())
	start = time.Now()
	r := e.nixlxc(fmt.Sprintf("autostart, %d containers, all stopped", n), "autostart", "--parallel", fmt.Sprint(parallel))
	wall := time.Since(start)
	if r.err != nil {
		b.rec.note("autostart of %d: %s", n, strings.TrimSpace(r.stderr))
	}
	b.rec.note("autostart of %d stopped containers at parallel %d: %.1f s, %.1f containers/s", n, parallel, wall.Seconds(), float64(n)/wall.Seconds())
	return nil
}

// running counts the installation's running containers (list --json).
func (e *env) running() int {
	var infos []struct {
		State string `json:"state"`
	}
	out, _ := e.cmd(e.b.nixlxc, "list", "--json").Output()
	json.Unmarshal(out, &infos)
	n := 0
	for _, i := range infos {
		if i.State == "RUNNING" {
			n++
		}
	}
	return n
}

package main

import (
	"fmt"
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
		for i := 0; i < 5; i++ {
			e.nixlxc(fmt.Sprintf("list, %d running", upto), "list")
			e.nixlxc(fmt.Sprintf("list --json, %d running", upto), "list", "--json")
		}
		info := "no info command yet (issue 15)"
		if r := e.nixlxc("", "info", "d0"); r.err == nil {
			for i := 0; i < 5; i++ {
				e.nixlxc(fmt.Sprintf("info NAME, %d running", upto), "info", "d0")
			}
			info = fmt.Sprintf("info %s ms", ms(median(b.rec.durations(fmt.Sprintf("info NAME, %d running", upto)))))
		}
		for i := 0; i < 3; i++ {
			if r := e.nixlxc(fmt.Sprintf("autostart, %d running (all already up)", upto), "autostart"); r.err != nil {
				b.rec.note("autostart at %d: %v", upto, r.err)
			}
		}
		var mems []containerMem
		for i := 0; i < 10; i++ {
			if m, err := measureContainer(e, fmt.Sprintf("d%d", i*upto/10)); err == nil {
				mems = append(mems, m)
			}
		}
		dropCaches()
		avail := (availBefore - memAvailable()) / int64(upto)
		list := median(b.rec.durations(fmt.Sprintf("list, %d running", upto)))
		auto := median(b.rec.durations(fmt.Sprintf("autostart, %d running (all already up)", upto)))
		b.rec.note("at %d containers: launch rate %.1f containers/s (containers %d-%d, %d failed); list %s ms (%.3f ms per container); %s; autostart with all up %s ms (%.3f ms per container); memory per container %d KiB (total, median of %d sampled), %d KiB by MemAvailable",
			upto, float64(upto-from-len(failed))/wall.Seconds(), from+1, upto, len(failed),
			ms(list), float64(list.Microseconds())/1000/float64(upto), info,
			ms(auto), float64(auto.Microseconds())/1000/float64(upto), medianTotal(mems), len(mems), avail)
	}
	start := time.Now()
	if r := e.nixlxc("", "shutdown-all", "--parallel", fmt.Sprint(parallel)); r.err != nil {
		b.rec.note("shutdown-all at %d: %v", n, r.err)
	}
	b.rec.note("shutdown-all of %d at parallel %d: %.1f s", n, parallel, time.Since(start).Seconds())
	start = time.Now()
	r := e.nixlxc(fmt.Sprintf("autostart, %d stopped (starts all)", n), "autostart", "--parallel", fmt.Sprint(parallel))
	wall := time.Since(start)
	if r.err != nil {
		b.rec.note("autostart of %d: %s", n, strings.TrimSpace(r.stderr))
	}
	b.rec.note("autostart of %d stopped containers at parallel %d: %.1f s, %.1f containers/s", n, parallel, wall.Seconds(), float64(n)/wall.Seconds())
	return nil
}

// Package procstat reads when a process started, from /proc: what `info`
// shows as a container's uptime. The fields a process can set (its name)
// never shift the numbers read after them.
package procstat

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture nixlxc runs on.
const clockTicks = 100

// StartTime is when process pid started.
func StartTime(pid int) (time.Time, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return time.Time{}, err
	}
	ticks, err := startTicks(string(stat))
	if err != nil {
		return time.Time{}, err
	}
	f, err := os.Open("/proc/stat")
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	boot, err := bootTime(f)
	if err != nil {
		return time.Time{}, err
	}
	return boot.Add(time.Duration(ticks) * time.Second / clockTicks), nil
}

// startTicks is field 22 of /proc/PID/stat: the start time in clock ticks
// after boot. Field 2, the name in parentheses, may hold spaces and
// parentheses of its own: the fields are counted after its last ')'.
func startTicks(stat string) (uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("procstat: no ')' in /proc/PID/stat")
	}
	// After ')': field 3 (state) onwards; the start time is field 22.
	f := strings.Fields(stat[i+1:])
	if len(f) < 20 {
		return 0, errors.New("procstat: /proc/PID/stat is short")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// bootTime is the btime line of /proc/stat.
func bootTime(r io.Reader) (time.Time, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, err
			}
			return time.Unix(s, 0), nil
		}
	}
	return time.Time{}, errors.New("procstat: no btime in /proc/stat")
}

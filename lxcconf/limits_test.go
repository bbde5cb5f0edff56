package lxcconf

import (
	"reflect"
	"testing"
)

// Each limit alone, in both cgroup layouts: v1 as on Debian 12 here, v2 as
// on current NixOS (and the unified hierarchy everywhere else).
func TestLimitsPerCgroupVersion(t *testing.T) {
	cases := []struct {
		name   string
		limits Limits
		v1, v2 []Item
	}{
		{"memory", Limits{MemoryBytes: 512 << 20},
			[]Item{{"lxc.cgroup.memory.limit_in_bytes", "536870912"}},
			[]Item{{"lxc.cgroup2.memory.max", "536870912"}}},
		{"cpus", Limits{CPUs: 0.25},
			[]Item{{"lxc.cgroup.cpu.cfs_period_us", "100000"}, {"lxc.cgroup.cpu.cfs_quota_us", "25000"}},
			[]Item{{"lxc.cgroup2.cpu.max", "25000 100000"}}},
		{"pids", Limits{Pids: 300},
			[]Item{{"lxc.cgroup.pids.max", "300"}},
			[]Item{{"lxc.cgroup2.pids.max", "300"}}},
		{"none", Limits{}, nil, nil},
	}
	for _, c := range cases {
		for _, v := range []struct {
			version CgroupVersion
			want    []Item
		}{{CgroupV1, c.v1}, {CgroupV2, c.v2}} {
			got, err := c.limits.items(v.version)
			if err != nil || !reflect.DeepEqual(got, v.want) {
				t.Errorf("%s, cgroup v%d: got %v, %v; want %v", c.name, v.version, got, err, v.want)
			}
		}
	}
}

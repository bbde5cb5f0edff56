package mountinfo

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	in := `36 35 98:0 /mnt1 /mnt\0402 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
short line
34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
`
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{
		{Root: "/mnt1", MountPoint: "/mnt 2", FSType: "ext3", Source: "/dev/root", SuperOptions: []string{"rw", "errors=continue"}},
		{Root: "/", MountPoint: "/sys/fs/cgroup/memory", FSType: "cgroup", Source: "cgroup", SuperOptions: []string{"rw", "memory"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse = %+v\nwant %+v", got, want)
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`:    "/a b",
		`/a\134b`:    `/a\b`,
		`/a\011\012`: "/a\t\n",
		`/trailing\`: `/trailing\`,
		`/short\04`:  `/short\04`,
		`/not\999`:   `/not\999`,
	} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

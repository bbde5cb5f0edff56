package container

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestGuestBoot(t *testing.T) {
	cases := []struct {
		version int
		v2      bool
		args    []string
		refused bool
	}{
		{0, false, nil, false}, // no systemd: the stand-in's busybox init
		{252, false, nil, false},
		{255, false, nil, false},
		{256, false, []string{legacyCgroupForce}, false},
		{257, false, []string{legacyCgroupForce}, false},
		{258, false, nil, true},
		{259, false, nil, true},
		{0, true, nil, false},
		{252, true, nil, false},
		{257, true, nil, false},
		{258, true, nil, false},
	}
	for _, c := range cases {
		args, err := guestBoot(c.version, c.v2)
		if !reflect.DeepEqual(args, c.args) || (err != nil) != c.refused {
			t.Errorf("guestBoot(%d, v2=%v) = %q, %v; want %q, refused %v", c.version, c.v2, args, err, c.args, c.refused)
		}
		if err != nil && (strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), fmt.Sprintf("systemd %d ", c.version)) || !strings.Contains(err.Error(), "cgroup v2")) {
			t.Errorf("refusal %q should be one line naming the version and the way out", err)
		}
	}
}

func TestSystemdVersionOf(t *testing.T) {
	cases := map[string]int{
		"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-systemd-257.3":          257,
		"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-systemd-256.8":          256,
		"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-systemd-258":            258,
		"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-systemd-minimal-254.10": 254,
		"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-systemd-256-rc3":        256,
		"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-systemd":                0,
		"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-busybox-1.36.1":         0,
		"/nix/store/short-systemd-257.3":                                     0,
		"systemd-257.3":                                                      0,
		"":                                                                   0,
	}
	for in, want := range cases {
		if got := systemdVersionOf(in); got != want {
			t.Errorf("systemdVersionOf(%q) = %d, want %d", in, got, want)
		}
	}
}

// The version comes from the system's `systemd` link, which is not followed.
func TestSystemdVersionFromSystem(t *testing.T) {
	system := t.TempDir()
	if got := systemdVersion(system); got != 0 {
		t.Errorf("a system without systemd: %d", got)
	}
	if err := os.Symlink("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-systemd-257.3", filepath.Join(system, "systemd")); err != nil {
		t.Fatal(err)
	}
	if got := systemdVersion(system); got != 257 {
		t.Errorf("systemd 257's system: %d", got)
	}
}

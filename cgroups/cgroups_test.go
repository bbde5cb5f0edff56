package cgroups

import "testing"

func TestMonitorOf(t *testing.T) {
	for base, want := range map[string]string{
		"lxc.monitor.web":      "web",
		"lxc.monitor.web-3":    "web",
		"lxc.monitor.my-web":   "my-web",
		"lxc.monitor.my-web-1": "my-web",
		"lxc.monitor.a-":       "a-",
		"lxc.payload.web":      "",
		"lxc.monitor.":         "",
		"other":                "",
	} {
		got, ok := monitorOf(base)
		if got != want || ok != (want != "") {
			t.Errorf("monitorOf(%q) = %q, %v; want %q", base, got, ok, want)
		}
	}
}

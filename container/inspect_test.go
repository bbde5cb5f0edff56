package container

import (
	"os"
	"testing"
	"time"

	"github.com/nixlxc/nixlxc/lxcapi"
)

func TestDescribe(t *testing.T) {
	tm := newTestManager(t)
	cfg := tm.config("web.json", "one", map[string]any{"network": map[string]any{"enableNat": true}, "autostart": map[string]any{"enable": true, "order": 4}})
	tm.must(tm.Create(ctx, "web", cfg, CreateOptions{}))
	d, err := tm.Describe(ctx, "web")
	tm.must(err)
	if d.State != lxcapi.Stopped || d.PID != 0 || d.Usage != nil || d.Generation != 1 || d.System == "" {
		t.Errorf("stopped: %+v", d)
	}
	if d.Interfaces.Hostonly == nil || d.Interfaces.Internet == nil || d.Interfaces.Internet.IPv4 != "10.202.0.2/16" {
		t.Errorf("interfaces: %+v", d.Interfaces)
	}
	if !d.Autostart.Enable || d.Autostart.Order != 4 || d.IDMapBase != 100000 || d.IDCount != 65536 || d.Source.ConfigFile != cfg {
		t.Errorf("settings: %+v", d)
	}
	tm.must(tm.Start(ctx, "web", StartOptions{Timeout: 5 * time.Second}))
	d, err = tm.Describe(ctx, "web")
	tm.must(err)
	// The fake's init is this process: its pid, start and cgroups.
	if d.State != lxcapi.Running || d.PID != os.Getpid() || d.Started.IsZero() || d.Usage == nil || d.Usage.CPUTime == 0 {
		t.Errorf("running: %+v, usage %+v", d, d.Usage)
	}
	if _, err := tm.Describe(ctx, "nope"); KindOf(err) != KindNotFound {
		t.Errorf("no such container: %v", err)
	}
}

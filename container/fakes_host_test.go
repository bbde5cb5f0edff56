package container

import (
	"context"
	"fmt"
	"net/netip"
	"sync"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/hostports"
)

// fakeHost is the host's links and firewall.
type fakeHost struct {
	mu       sync.Mutex
	config   bridges.HostConfig
	recorded bool
	setups   int
	deleted  []string
	inUse    map[string]bool
	stale    []string
	ports    []string
	bridges  map[string][]netip.Prefix // the user's bridges
	forwards map[string][]bridges.Forward
	// rules counts each container's forward rules "in the kernel".
	rules map[string]int
	// addresses and listeners are the host's.
	addresses []bridges.LinkAddress
	listeners []hostports.Listener
	// other is the state directory of another installation whose mark
	// the bridges carry ("": none); diffs what Differences says.
	other string
	diffs []string
}

func (f *fakeHost) Foreign() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.other != "" {
		return &bridges.OtherInstallationError{Bridge: bridges.Hostonly, StateDir: f.other}
	}
	return nil
}
func (f *fakeHost) Differences() ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.diffs, nil
}

func (f *fakeHost) Config() (bridges.HostConfig, error) { return f.config, nil }
func (f *fakeHost) Recorded() bool                      { f.mu.Lock(); defer f.mu.Unlock(); return f.recorded }

func (f *fakeHost) Ensure(ctx context.Context, c bridges.HostConfig) error {
	if err := f.Foreign(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.recorded {
		f.recorded = true
		f.setups++
	}
	return nil
}

func (f *fakeHost) Setup(ctx context.Context, c bridges.HostConfig) (*bridges.Record, error) {
	if err := f.Foreign(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recorded, f.diffs = true, nil
	f.setups++
	return &bridges.Record{Config: c, Inet: "eth0"}, nil
}

func (f *fakeHost) Teardown(ctx context.Context) error {
	if err := f.Foreign(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recorded = false
	return nil
}

func (f *fakeHost) Present() []string {
	if f.Recorded() {
		return []string{"bridge " + bridges.Hostonly, "bridge " + bridges.Internet, "nftables table inet nixlxc"}
	}
	return nil
}
func (f *fakeHost) RulesPresent(c bridges.HostConfig) bool { return f.Recorded() }
func (f *fakeHost) IsBridge(name string) bool {
	_, ok := f.bridges[name]
	return ok || name == bridges.Hostonly || name == bridges.Internet
}
func (f *fakeHost) BridgeIPv4(name string) ([]netip.Prefix, error) {
	if p, ok := f.bridges[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w: %s", bridges.ErrNoBridge, name)
}
func (f *fakeHost) LinkExists(name string) bool { return true }
func (f *fakeHost) VethInUse(name string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inUse[name], nil
}
func (f *fakeHost) DeleteLink(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, name)
	for i, v := range f.stale {
		if v == name {
			f.stale = append(f.stale[:i], f.stale[i+1:]...)
			break
		}
	}
	return nil
}
func (f *fakeHost) PortsInUse() ([]string, error) { return f.ports, nil }

func (f *fakeHost) StaleVeths(prefixes ...string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stale, nil
}

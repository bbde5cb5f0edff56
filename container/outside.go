package container

import (
	"context"
	"net/netip"
	"time"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/hostports"
	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/nixlxc/nixlxc/spec"
)

// The outside systems a container's life drives, as this package needs
// them: liblxc (lxcapi), Nix (nixsys) and the host's network (bridges).
// Production uses those packages; the package's unit tests use recording
// fakes (the real runs are the end-to-end tests in tests/).

// runtime is liblxc.
type runtime interface {
	State(name string) (string, error)
	Active() map[string]bool
	Open(name string) (lxcHandle, error)
	Shutdown(name string, timeout time.Duration) error
	Kill(name string) error
	InitPID(name string) (int, error)
	Console(ctx context.Context, name string, io Stdio, escape byte) error
	Run(ctx context.Context, name string, argv, env []string, cwd string, io Stdio) (int, error)
	CheckConfigItem(key, value string) error
}

// lxcHandle is an opened container: a check and an action without
// loading it twice.
type lxcHandle interface {
	State() string
	Start(logFile string) error
	Close()
}

// lxcRuntime is liblxc through lxcapi.
type lxcRuntime struct{ lxcapi.Runtime }

func (r lxcRuntime) Open(name string) (lxcHandle, error) {
	h, err := r.Runtime.Open(name)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// builder is Nix, with the arguments of one build.
type builder interface {
	CheckVersion(ctx context.Context) error
	Settings(ctx context.Context, configFile string) (spec.Evaluated, error)
	FlakeSettings(ctx context.Context, flake string) (spec.Evaluated, error)
	BuildSystem(ctx context.Context, b nixsys.Build) (string, error)
	Declarations(ctx context.Context, file string) (map[string]spec.DeclEvaluated, error)
	DeclaredFile(file, name string) ([]byte, error)
	Systems(ctx context.Context, builds map[string]nixsys.Build) (map[string]string, error)
}

// hostNetwork is the host's links and firewall.
type hostNetwork interface {
	Config() (bridges.HostConfig, error)
	Recorded() bool
	Ensure(ctx context.Context, c bridges.HostConfig) error
	Setup(ctx context.Context, c bridges.HostConfig) (*bridges.Record, error)
	Teardown(ctx context.Context) error
	Present() []string
	RulesPresent(c bridges.HostConfig) bool
	IsBridge(name string) bool
	BridgeIPv4(name string) ([]netip.Prefix, error)
	LinkExists(name string) bool
	VethInUse(name string) (bool, error)
	DeleteLink(name string) error
	PortsInUse() ([]string, error)
	StaleVeths(prefixes ...string) ([]string, error)
	Forwards(ctx context.Context) (map[string][]bridges.Forward, error)
	SetForwards(ctx context.Context, name string, fs []bridges.Forward) error
	ClearForwards(ctx context.Context, name string) error
	ForwardRules() (map[string]int, error)
	HostAddresses() ([]bridges.LinkAddress, error)
	Listeners() ([]hostports.Listener, error)
	// Foreign fails (bridges.ErrOtherInstallation) when another
	// installation's mark is on the bridges here.
	Foreign() error
	// Differences lists how the network differs from what this
	// installation's recorded setup makes.
	Differences() ([]string, error)
}

// netlinkHost is the host's network through bridges.
type netlinkHost struct{ bridges.Host }

func (h netlinkHost) Recorded() bool                               { return h.Record() != nil }
func (netlinkHost) Present() []string                              { return bridges.Present() }
func (netlinkHost) RulesPresent(c bridges.HostConfig) bool         { return bridges.RulesPresent(c) }
func (netlinkHost) IsBridge(name string) bool                      { return bridges.IsBridge(name) }
func (netlinkHost) BridgeIPv4(name string) ([]netip.Prefix, error) { return bridges.BridgeIPv4(name) }
func (netlinkHost) LinkExists(name string) bool                    { return bridges.LinkExists(name) }
func (netlinkHost) VethInUse(name string) (bool, error)            { return bridges.VethInUse(name) }
func (netlinkHost) DeleteLink(name string) error                   { return bridges.DeleteLink(name) }
func (netlinkHost) PortsInUse() ([]string, error)                  { return bridges.PortsInUse() }
func (netlinkHost) ForwardRules() (map[string]int, error)          { return bridges.ForwardRules() }
func (netlinkHost) HostAddresses() ([]bridges.LinkAddress, error)  { return bridges.HostAddresses() }
func (netlinkHost) Listeners() ([]hostports.Listener, error)       { return hostports.ReadListeners() }
func (netlinkHost) StaleVeths(prefixes ...string) ([]string, error) {
	return bridges.StaleVeths(prefixes...)
}

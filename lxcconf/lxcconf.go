// Package lxcconf owns the text of a container's LXC configuration: it renders
// a typed Config to "key = value" lines and parses such text back.
//
// It does no I/O and knows nothing about Nix, networks or the host: callers
// decide what goes into a Config. Every key and value is checked before it is
// rendered, so nothing a user supplies can smuggle a second line (or a NUL)
// into the file LXC reads.
package lxcconf

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ErrInvalid marks a key, value or extra config line that cannot be written.
var ErrInvalid = errors.New("invalid LXC config")

// Item is one configuration line.
type Item struct {
	Key   string
	Value string
}

func (i Item) String() string { return i.Key + " = " + i.Value }

// IDMap maps a range of container ids onto host ids (lxc.idmap).
type IDMap struct {
	Kind        byte // 'u' or 'g'
	ContainerID uint32
	HostID      uint32
	Count       uint32
}

// Mount is an fstab-style bind or filesystem mount (lxc.mount.entry). Target
// is relative to the container's root, as LXC expects.
type Mount struct {
	Source  string
	Target  string
	FSType  string
	Options string
}

// Network is one interface of the container. A Config without networks gets
// an "empty" network: a private namespace with only loopback.
type Network struct {
	// Macvlan makes it a macvlan (bridge mode) on the host interface Link
	// instead of a veth on the bridge Link.
	Macvlan     bool
	Name        string // interface name inside the container
	Link        string // host bridge the veth joins
	HostVeth    string // host-side veth name (lxc.net.N.veth.pair)
	HWAddr      string
	IPv4        netip.Prefix
	IPv4Gateway netip.Addr
	IPv6        netip.Prefix
	IPv6Gateway netip.Addr
}

// Autostart is what lxc-autostart reads.
type Autostart struct {
	Enable bool
	Order  int
	Delay  int // seconds to wait after this container before the next
}

// CgroupVersion selects the key family limits are rendered with.
type CgroupVersion int

const (
	CgroupV1 CgroupVersion = 1
	CgroupV2 CgroupVersion = 2
)

// Limits are resource limits; zero means unlimited.
type Limits struct {
	MemoryBytes int64
	CPUs        float64 // e.g. 1.5 = one and a half CPUs of time
	Pids        int64
}

// consoleLogSize bounds the console log a container writes on the host.
const consoleLogSize = 1 << 20

// cpuPeriodMicros is the CFS period the CPU quota is expressed in.
const cpuPeriodMicros = 100000

// Config is everything nixlxc puts into a container's LXC config.
type Config struct {
	Name       string // lxc.uts.name
	RootFS     string // a directory
	RootMount  string // lxc.rootfs.mount, which must exist (LXC's built-in path may not)
	Init       string // lxc.init.cmd, a path inside the container
	IDMaps     []IDMap
	Mounts     []Mount
	Networks   []Network
	Autostart  Autostart
	Cgroup     CgroupVersion
	Limits     Limits
	LogFile    string
	LogLevel   string
	ConsoleLog string
	// Seccomp is the host path of the seccomp policy (SeccompPolicy,
	// written there by the caller); empty means none.
	Seccomp string
	// Extra holds the user's lxcExtraConfig lines, already checked by
	// ParseExtra. They come last so they can refine nixlxc's defaults.
	Extra []Item
}

// Items returns the configuration as ordered lines, checked.
func (c *Config) Items() ([]Item, error) {
	var items []Item
	add := func(key, value string) { items = append(items, Item{key, value}) }

	if c.Name == "" || c.RootFS == "" || c.Init == "" {
		return nil, fmt.Errorf("%w: name, rootfs and init are required", ErrInvalid)
	}
	add("lxc.uts.name", c.Name)
	add("lxc.rootfs.path", "dir:"+c.RootFS)
	if c.RootMount != "" {
		add("lxc.rootfs.mount", c.RootMount)
	}
	for _, m := range c.IDMaps {
		if m.Kind != 'u' && m.Kind != 'g' {
			return nil, fmt.Errorf("%w: id map kind %q", ErrInvalid, m.Kind)
		}
		add("lxc.idmap", fmt.Sprintf("%c %d %d %d", m.Kind, m.ContainerID, m.HostID, m.Count))
	}
	// What Debian's common.conf and userns.conf would give, spelled out so
	// the config means the same on every distribution; but no ttys, as
	// Incus has none: the four of common.conf stopped a host at about 600
	// containers (BENCHMARKS.md, density).
	add("lxc.tty.dir", "lxc")
	// No ttys but the console: nixlxc attaches (run, login) with a pty of
	// the container's own, and each tty is one more of the host's ptys
	// (kernel.pty.max is 4096 for the whole host). 64 ptys inside: enough
	// sessions, and no container can take the host's pool.
	add("lxc.tty.max", "0")
	add("lxc.pty.max", "64")
	add("lxc.autodev", "1")
	add("lxc.mount.auto", "proc:mixed sys:mixed cgroup:mixed:force")
	// On hosts with AppArmor (Debian's default), a profile liblxc generates
	// for the container, as Incus does, with nesting: systemd's sandboxing
	// of services (ProtectProc=, ProcSubset=, PrivateTmp=) mounts proc and
	// tmpfs inside, which the profile without nesting denies. Spelled out
	// so nothing rests on liblxc's implicit default; hosts without
	// AppArmor ignore both.
	add("lxc.apparmor.profile", "generated")
	add("lxc.apparmor.allow_nesting", "1")
	for _, m := range c.Mounts {
		line, err := m.entry()
		if err != nil {
			return nil, err
		}
		add("lxc.mount.entry", line)
	}
	add("lxc.init.cmd", c.Init)
	if c.Seccomp != "" {
		add("lxc.seccomp.profile", c.Seccomp)
	}

	if len(c.Networks) == 0 {
		add("lxc.net.0.type", "empty")
	}
	for i, n := range c.Networks {
		p := "lxc.net." + strconv.Itoa(i) + "."
		if n.Macvlan {
			add(p+"type", "macvlan")
			add(p+"macvlan.mode", "bridge")
		} else {
			add(p+"type", "veth")
		}
		add(p+"name", n.Name)
		add(p+"link", n.Link)
		if n.HostVeth != "" && !n.Macvlan {
			add(p+"veth.pair", n.HostVeth)
		}
		if n.HWAddr != "" {
			add(p+"hwaddr", n.HWAddr)
		}
		add(p+"flags", "up")
		if n.IPv4.IsValid() {
			if !n.IPv4.Addr().Is4() {
				return nil, fmt.Errorf("%w: %s is not an IPv4 prefix", ErrInvalid, n.IPv4)
			}
			add(p+"ipv4.address", n.IPv4.String()+" "+Broadcast(n.IPv4).String())
		}
		if n.IPv4Gateway.IsValid() {
			add(p+"ipv4.gateway", n.IPv4Gateway.String())
		}
		if n.IPv6.IsValid() {
			if !n.IPv6.Addr().Is6() {
				return nil, fmt.Errorf("%w: %s is not an IPv6 prefix", ErrInvalid, n.IPv6)
			}
			add(p+"ipv6.address", n.IPv6.String())
		}
		if n.IPv6Gateway.IsValid() {
			add(p+"ipv6.gateway", n.IPv6Gateway.String())
		}
	}

	add("lxc.start.auto", boolDigit(c.Autostart.Enable))
	if c.Autostart.Enable {
		add("lxc.start.order", strconv.Itoa(c.Autostart.Order))
		add("lxc.start.delay", strconv.Itoa(c.Autostart.Delay))
	}

	limits, err := c.Limits.items(c.Cgroup)
	if err != nil {
		return nil, err
	}
	items = append(items, limits...)

	if c.LogFile != "" {
		add("lxc.log.file", c.LogFile)
		level := c.LogLevel
		if level == "" {
			level = "WARN"
		}
		add("lxc.log.level", level)
	}
	if c.ConsoleLog != "" {
		add("lxc.console.logfile", c.ConsoleLog)
		// The container writes it: bounded, so it cannot fill the host.
		add("lxc.console.size", strconv.Itoa(consoleLogSize))
		add("lxc.console.rotate", "1")
	}
	items = append(items, c.Extra...)

	for _, it := range items {
		if err := CheckItem(it); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// Render returns the config file's text.
func (c *Config) Render() ([]byte, error) {
	items, err := c.Items()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("# Written by nixlxc; changes are overwritten on the next update or start.\n")
	for _, it := range items {
		b.WriteString(it.String())
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

func (l Limits) items(v CgroupVersion) ([]Item, error) {
	if l.MemoryBytes < 0 || l.Pids < 0 || l.CPUs < 0 {
		return nil, fmt.Errorf("%w: negative limit", ErrInvalid)
	}
	var items []Item
	quota := int64(l.CPUs * cpuPeriodMicros)
	if l.CPUs > 0 && quota < 1000 {
		return nil, fmt.Errorf("%w: cpus = %g is below the kernel's minimum of 0.01", ErrInvalid, l.CPUs)
	}
	switch v {
	case CgroupV2:
		if l.MemoryBytes > 0 {
			items = append(items, Item{"lxc.cgroup2.memory.max", strconv.FormatInt(l.MemoryBytes, 10)})
		}
		if l.Pids > 0 {
			items = append(items, Item{"lxc.cgroup2.pids.max", strconv.FormatInt(l.Pids, 10)})
		}
		if l.CPUs > 0 {
			items = append(items, Item{"lxc.cgroup2.cpu.max", fmt.Sprintf("%d %d", quota, cpuPeriodMicros)})
		}
	case CgroupV1:
		if l.MemoryBytes > 0 {
			items = append(items, Item{"lxc.cgroup.memory.limit_in_bytes", strconv.FormatInt(l.MemoryBytes, 10)})
		}
		if l.Pids > 0 {
			items = append(items, Item{"lxc.cgroup.pids.max", strconv.FormatInt(l.Pids, 10)})
		}
		if l.CPUs > 0 {
			items = append(items,
				Item{"lxc.cgroup.cpu.cfs_period_us", strconv.Itoa(cpuPeriodMicros)},
				Item{"lxc.cgroup.cpu.cfs_quota_us", strconv.FormatInt(quota, 10)})
		}
	default:
		if l != (Limits{}) {
			return nil, fmt.Errorf("%w: limits need a cgroup version", ErrInvalid)
		}
	}
	return items, nil
}

// entry renders the fstab-style line; whitespace and backslashes in paths are
// octal-escaped as getmntent expects, so a path cannot split into fields.
func (m Mount) entry() (string, error) {
	if m.Source == "" || m.Target == "" {
		return "", fmt.Errorf("%w: mount needs a source and a target", ErrInvalid)
	}
	if strings.HasPrefix(m.Target, "/") {
		return "", fmt.Errorf("%w: mount target %q must be relative to the rootfs", ErrInvalid, m.Target)
	}
	fstype, opts := m.FSType, m.Options
	if fstype == "" {
		fstype = "none"
	}
	if opts == "" {
		opts = "defaults"
	}
	for _, f := range []string{fstype, opts} {
		if strings.ContainsAny(f, " \t\\") {
			return "", fmt.Errorf("%w: mount field %q contains whitespace", ErrInvalid, f)
		}
	}
	return fmt.Sprintf("%s %s %s %s 0 0", escapeMountField(m.Source), escapeMountField(m.Target), fstype, opts), nil
}

var mountEscaper = strings.NewReplacer(`\`, `\134`, " ", `\040`, "\t", `\011`)

func escapeMountField(s string) string { return mountEscaper.Replace(s) }

// Broadcast returns the IPv4 broadcast address of p. LXC needs it spelled
// out: without it the interface gets a broadcast of 0.0.0.255-style garbage.
func Broadcast(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	if p.Bits() == 0 {
		host = ^uint32(0)
	}
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

package lxcconf

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// A container file's lxcExtraConfig shapes its own container but never
// widens the boundary nor acts on the host. Each allowed key has a check of
// its value, so that nothing liblxc would refuse to load gets written (a
// config liblxc cannot load makes a container hard to stop) and nothing
// reaches beyond the container: mounts are checked here for their form and
// by Boundary for the host paths they take.

// extraRule is an allowed key (or a prefix ending in '.') and the check of
// its value; key is the full key.
type extraRule struct {
	key   string
	check func(key, value string) error
}

// extraRules are the keys a container file's lxcExtraConfig may set: what
// tunes the container from inside its boundary. Everything else is refused:
// keys nixlxc derives from the settings (id map, rootfs, init, network,
// autostart, logs, seccomp) and keys that would widen the boundary or act
// on the host as root (hooks, namespaces kept from the host, console or log
// files on the host, AppArmor, capabilities kept, cgroup placement, proc
// and cgroup mounts).
var extraRules = []extraRule{
	{"lxc.environment", checkEnvironment},
	{"lxc.prlimit.", checkPrlimit},
	{"lxc.sysctl.", checkSysctl},
	{"lxc.cgroup.", checkCgroup},
	{"lxc.cgroup2.", checkCgroup},
	{"lxc.mount.entry", checkMountEntry},
	{"lxc.cap.drop", checkCapDrop},
	{"lxc.signal.halt", checkSignal},
	{"lxc.signal.reboot", checkSignal},
	{"lxc.signal.stop", checkSignal},
	{"lxc.tty.max", checkRange(0, 64)},
	// The host's pty pool is one for every container (kernel.pty.max
	// less its reserve: 3072 by default): a container takes at most a
	// twelfth of it.
	{"lxc.pty.max", checkRange(1, 256)},
}

// extraOwned explains the refusal of keys nixlxc sets from the settings.
var extraOwned = []string{
	"lxc.uts.name", "lxc.rootfs.", "lxc.init.", "lxc.idmap",
	"lxc.net.", "lxc.start.", "lxc.log.", "lxc.console.", "lxc.seccomp.",
}

func matchKey(key, pattern string) bool {
	if strings.HasSuffix(pattern, ".") {
		return strings.HasPrefix(key, pattern) && len(key) > len(pattern)
	}
	return key == pattern
}

func allowedKeys() string {
	keys := make([]string, len(extraRules))
	for i, r := range extraRules {
		keys[i] = r.key
		if strings.HasSuffix(r.key, ".") {
			keys[i] += "*"
		}
	}
	return strings.Join(keys, ", ")
}

// ParseExtra checks a user's lxcExtraConfig text: keys, and the form of
// every value. Each error names the key and the value. Host paths that
// mounts take are checked apart, by Boundary, where the installation's
// directories are known.
func ParseExtra(text string) ([]Item, error) {
	items, err := Parse(text)
	if err != nil {
		return nil, fmt.Errorf("lxcExtraConfig: %w", err)
	}
	for _, it := range items {
		if err := checkExtra(it); err != nil {
			return nil, fmt.Errorf("lxcExtraConfig: %w", err)
		}
	}
	return items, nil
}

func checkExtra(it Item) error {
	for _, r := range extraRules {
		if !matchKey(it.Key, r.key) {
			continue
		}
		// An empty value clears what the config set before, nixlxc's own
		// lines included (every mount, every limit).
		if it.Value == "" {
			return fmt.Errorf("%w: %s has an empty value (which would clear what nixlxc sets)", ErrInvalid, it.Key)
		}
		if err := r.check(it.Key, it.Value); err != nil {
			return fmt.Errorf("%w: %s = %s: %v", ErrInvalid, it.Key, it.Value, err)
		}
		return nil
	}
	for _, p := range extraOwned {
		if matchKey(it.Key, p) || it.Key == strings.TrimSuffix(p, ".") {
			return fmt.Errorf("%w: %s is set by nixlxc itself (use the config's own settings)", ErrInvalid, it.Key)
		}
	}
	if strings.HasPrefix(it.Key, "lxc.hook") {
		return fmt.Errorf("%w: %s would run host commands as root; hooks are not allowed in a container file", ErrInvalid, it.Key)
	}
	return fmt.Errorf("%w: %s is not allowed in a container file (allowed: %s)", ErrInvalid, it.Key, allowedKeys())
}

// checkEnvironment wants NAME=value: a bare NAME makes liblxc copy the
// variable from nixlxc's own environment into the container.
func checkEnvironment(_, value string) error {
	name, _, ok := strings.Cut(value, "=")
	if !ok {
		return fmt.Errorf("not NAME=value (a bare NAME would pass the host's own value in)")
	}
	if !isEnvName(name) {
		return fmt.Errorf("%q is not a variable name", name)
	}
	return nil
}

func isEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// prlimits are the resources a container may set limits for. nice, rtprio
// and rttime are left out: liblxc sets limits from the host as root, and
// those would let the container's processes outrank the host's.
var prlimits = []string{"as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nofile", "nproc", "rss", "sigpending", "stack"}

// checkPrlimit wants "N", "unlimited" or "soft:hard".
func checkPrlimit(key, value string) error {
	res := strings.TrimPrefix(key, "lxc.prlimit.")
	if !slices.Contains(prlimits, res) {
		return fmt.Errorf("%q is not a resource a container may limit (%s)", res, strings.Join(prlimits, ", "))
	}
	soft, hard, pair := strings.Cut(value, ":")
	parts := []string{soft}
	if pair {
		parts = append(parts, hard)
	}
	var n [2]uint64
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "unlimited" {
			n[i] = ^uint64(0)
			continue
		}
		v, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number or unlimited", p)
		}
		n[i] = v
	}
	if pair && n[0] > n[1] {
		return fmt.Errorf("the soft limit is above the hard limit")
	}
	return nil
}

// checkSysctl takes a sysctl name in dots and any value: liblxc writes it
// inside the container, as the container's root, where only the sysctls
// of its own namespaces can change. A sysctl of no namespace (kernel.*,
// vm.*) is refused here rather than at every start, where liblxc fails.
func checkSysctl(key, value string) error {
	name := strings.TrimPrefix(key, "lxc.sysctl.")
	if strings.Contains(name, "..") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return fmt.Errorf("%q is not a sysctl name", name)
	}
	for _, p := range namespacedSysctls {
		if name == p || strings.HasSuffix(p, ".") && strings.HasPrefix(name, p) {
			return nil
		}
	}
	return fmt.Errorf("%s is not a sysctl of the container's own namespaces (%s)", name, strings.Join(namespacedSysctls, ", "))
}

// namespacedSysctls are the sysctls a container's namespaces own (those
// ending in a dot are prefixes): the network namespace's, IPC's and UTS's.
var namespacedSysctls = []string{"net.", "kernel.shmmax", "kernel.shmall", "kernel.shmmni", "kernel.shm_rmid_forced",
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "fs.mqueue.", "kernel.hostname", "kernel.domainname"}

// cgroupLimits are the cgroup files a container file may set, on either
// hierarchy: limits and weights, nothing else. Left out: devices (allowing
// devices widens the boundary), freezer (a container frozen from its own
// config hangs liblxc's monitor, and with it every command on it), and
// every key that is not a controller's limit: lxc.cgroup.dir, .relative
// (where the container's cgroup lives: outside nixlxc's layout, left
// behind at destroy), cgroup.procs, tasks and the other core files (they
// would move host processes, or the cgroup).
var cgroupLimits = []string{
	// v1
	"blkio.weight", "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
	"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us",
	"memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.swappiness",
	// v2
	"cpu.max", "cpu.weight", "io.max", "io.weight",
	"memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max", "memory.swap.high",
	// both
	"cpuset.cpus", "cpuset.mems", "pids.max", "rdma.max", "misc.max",
}

func checkCgroup(key, _ string) error {
	sub := strings.TrimPrefix(strings.TrimPrefix(key, "lxc.cgroup2."), "lxc.cgroup.")
	if slices.Contains(cgroupLimits, sub) {
		return nil
	}
	return fmt.Errorf("only a cgroup limit may be set (%s), not %q", strings.Join(cgroupLimits, ", "), sub)
}

// capabilities are the names liblxc knows (without CAP_), in its order.
var capabilities = []string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
	"net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
	"sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
	"setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

func checkCapDrop(_, value string) error {
	for _, c := range strings.Fields(value) {
		if !slices.Contains(capabilities, c) {
			return fmt.Errorf("%q is not a capability (lower case, without cap_: sys_admin, net_raw, ...)", c)
		}
	}
	return nil
}

// signalNames are the names liblxc reads (with or without SIG, any case).
var signalNames = []string{
	"HUP", "INT", "QUIT", "ILL", "ABRT", "FPE", "KILL", "SEGV", "PIPE",
	"ALRM", "TERM", "USR1", "USR2", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
	"TTOU", "TRAP", "IOT", "BUS", "STKFLT", "CLD", "URG", "XCPU", "XFSZ",
	"VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS",
}

// Linux's real-time signals as glibc numbers them: SIGRTMIN+0..30.
const (
	sigRTMin = 34
	sigRTMax = 64
)

// checkSignal wants a signal that exists: a number from 1 to 64, SIGNAME,
// SIGRTMIN+N or SIGRTMAX-N.
func checkSignal(_, value string) error {
	bad := fmt.Errorf("not a signal (SIGPWR, SIGRTMIN+3, or a number from 1 to %d)", sigRTMax)
	if n, err := strconv.Atoi(value); err == nil {
		if n < 1 || n > sigRTMax {
			return bad
		}
		return nil
	}
	v := strings.ToUpper(value)
	if !strings.HasPrefix(v, "SIG") {
		return bad
	}
	v = v[3:]
	if slices.Contains(signalNames, v) {
		return nil
	}
	for _, rt := range []string{"RTMIN+", "RTMAX-"} {
		if rest, ok := strings.CutPrefix(v, rt); ok {
			if n, err := strconv.Atoi(rest); err == nil && n >= 0 && n <= sigRTMax-sigRTMin && rest[0] != '+' && rest[0] != '-' {
				return nil
			}
		}
	}
	return bad
}

func checkRange(min, max int) func(string, string) error {
	return func(_, value string) error {
		n, err := strconv.Atoi(value)
		if err != nil || n < min || n > max || value[0] == '+' {
			return fmt.Errorf("not a whole number from %d to %d", min, max)
		}
		return nil
	}
}

// MountEntry is an lxc.mount.entry line, read as liblxc reads it (fstab
// fields, with getmntent's octal escapes).
type MountEntry struct {
	Source  string
	Target  string
	FSType  string
	Options []string
}

// HasOption reports whether the entry has option o.
func (e MountEntry) HasOption(o string) bool { return slices.Contains(e.Options, o) }

// Bind reports whether the entry binds a host path.
func (e MountEntry) Bind() bool { return e.HasOption("bind") || e.HasOption("rbind") }

// ReadOnly reports whether the entry is mounted read-only.
func (e MountEntry) ReadOnly() bool {
	ro := false
	for _, o := range e.Options {
		switch o {
		case "ro":
			ro = true
		case "rw":
			ro = false
		}
	}
	return ro
}

// ParseMountEntry reads the value of an lxc.mount.entry line.
func ParseMountEntry(value string) (MountEntry, error) {
	f := strings.Fields(value)
	if len(f) < 4 || len(f) > 6 {
		return MountEntry{}, fmt.Errorf("not \"SOURCE TARGET TYPE OPTIONS [0 0]\"")
	}
	for _, n := range f[4:] {
		if _, err := strconv.ParseUint(n, 10, 32); err != nil {
			return MountEntry{}, fmt.Errorf("%q is not a dump or pass number", n)
		}
	}
	return MountEntry{
		Source:  unescapeMountField(f[0]),
		Target:  unescapeMountField(f[1]),
		FSType:  f[2],
		Options: strings.Split(f[3], ","),
	}, nil
}

// unescapeMountField undoes getmntent's escapes: \040 (space), \011
// (tab), \012 (newline) and \134 (backslash).
func unescapeMountField(s string) string {
	return strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(s)
}

// mountFlags are the mount options an extra mount may use: flags that only
// narrow what the mount allows, and liblxc's own create= and optional.
// Left out: dev (device nodes), remount, propagation flags, and liblxc's
// relative (a source inside the container's own tree, where the container
// plants symlinks) and idmap= other than "container".
var mountFlags = []string{
	"defaults", "ro", "rw", "bind", "rbind", "nosuid", "suid", "nodev",
	"noexec", "exec", "noatime", "atime", "nodiratime", "diratime",
	"relatime", "norelatime", "strictatime", "nostrictatime", "lazytime",
	"nolazytime", "sync", "async", "dirsync", "silent", "loud",
	"create=dir", "create=file", "optional", "idmap=container",
}

// mountData are the options of the file systems a container may mount
// fresh, which take a value.
var mountData = []string{"size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "ptmxmode", "max", "hidepid", "subset", "newinstance"}

// freshFS are the file systems a container may mount anew: they hold
// nothing of the host's.
var freshFS = []string{"tmpfs", "proc", "sysfs", "mqueue", "devpts"}

func checkMountEntry(_, value string) error {
	e, err := ParseMountEntry(value)
	if err != nil {
		return err
	}
	return e.check()
}

func (e MountEntry) check() error {
	for _, o := range e.Options {
		name, _, hasValue := strings.Cut(o, "=")
		switch {
		case slices.Contains(mountFlags, o):
		case o == "newinstance":
		case hasValue && slices.Contains(mountData, name) && !strings.HasPrefix(o, "idmap="):
		default:
			return fmt.Errorf("mount option %q is not allowed (allowed: %s, and size=, mode=, uid=, gid=... of tmpfs, proc and devpts)", o, strings.Join(mountFlags, ", "))
		}
	}
	if err := CheckTarget(e.Target); err != nil {
		return err
	}
	if e.Bind() {
		if !strings.HasPrefix(e.Source, "/") || path.Clean(e.Source) != e.Source {
			return fmt.Errorf("the source of a bind mount must be an absolute, clean host path, not %q", e.Source)
		}
		if e.HasOption("idmap=container") && !e.HasOption("nodev") {
			return fmt.Errorf("an idmapped bind mount must be nodev (the container's root would own the host's device nodes)")
		}
		return nil
	}
	if e.HasOption("idmap=container") {
		return fmt.Errorf("only bind mounts can be idmapped")
	}
	if !slices.Contains(freshFS, e.FSType) {
		return fmt.Errorf("file system %q cannot be mounted from a container file (only bind mounts of host paths and %s)", e.FSType, strings.Join(freshFS, ", "))
	}
	if strings.Contains(e.Source, "/") {
		return fmt.Errorf("a %s mount takes a name as its source, not the path %q", e.FSType, e.Source)
	}
	return nil
}

// CheckTarget checks a mount target: a clean path relative to the
// container's root, and not the root itself. liblxc creates what is
// missing of it (create=) on the host side before it mounts: ".." or an
// absolute path would create host directories outside the rootfs.
func CheckTarget(target string) error {
	switch {
	case strings.HasPrefix(target, "/"):
		return fmt.Errorf("the mount target %q must be relative to the container's root (%q)", target, strings.TrimLeft(target, "/"))
	case target == "" || target == ".":
		return fmt.Errorf("a mount target is required and cannot be the container's root")
	case path.Clean(target) != target || strings.HasPrefix(target, "../") || target == "..":
		return fmt.Errorf("the mount target %q must be a clean path inside the container (no ..)", target)
	}
	return nil
}

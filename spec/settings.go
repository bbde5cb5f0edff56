package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/nixlxc/nixlxc/lxcconf"
)

// Settings are the parts of a container file outside `configuration`. Each
// generation records the settings it was built with (nixlxc.json in the
// system), so a rollback restores them too.
type Settings struct {
	Autostart      Autostart `json:"autostart"`
	Network        Network   `json:"network"`
	LXCExtraConfig string    `json:"lxcExtraConfig,omitempty"`
	Limits         Limits    `json:"limits"`
	// BindMounts are host paths shown inside, sorted by mount point.
	BindMounts []BindMount `json:"bindMounts,omitempty"`
	// ForwardPorts are host ports forwarded to the container.
	ForwardPorts []ForwardPort `json:"forwardPorts,omitempty"`
	// Ephemeral keeps the root file system in memory: it starts empty at
	// every start and is gone at stop (the profile stays).
	Ephemeral bool `json:"ephemeral,omitempty"`
	// Macvlans are host interfaces the container gets a macvlan on.
	Macvlans []string `json:"macvlans,omitempty"`
}

// Autostart is nixcloud's `autostart = true;` or the ordered form
// `autostart = { enable = true; order = 10; delay = 5; };`.
type Autostart struct {
	Enable bool `json:"enable"`
	Order  int  `json:"order,omitempty"`
	Delay  int  `json:"delay,omitempty"`
}

// Network is nixcloud's `network = { ip; bridge; enableNat; };`.
type Network struct {
	// IP is a static IPv4 address, optionally with a prefix length
	// ("10.10.1.2" or "10.10.1.2/24"); empty means allocate one.
	IP string `json:"ip,omitempty"`
	// Bridge replaces brNC-hostonly with a bridge the user manages.
	Bridge    string `json:"bridge,omitempty"`
	EnableNat bool   `json:"enableNat,omitempty"`
}

// Limits are resource limits; zero means none.
type Limits struct {
	Memory string  `json:"memory,omitempty"` // as written: "512M"
	CPUs   float64 `json:"cpus,omitempty"`
	Pids   int64   `json:"pids,omitempty"`
}

// Evaluated is what nixsys reads from a container file with nix-instantiate:
// the raw values of the settings, still to be checked here.
type Evaluated struct {
	Form           string          `json:"form"` // "module" or "attrset"
	Unknown        []string        `json:"unknown"`
	Misplaced      []string        `json:"misplaced"`
	Name           json.RawMessage `json:"name"`
	Autostart      json.RawMessage `json:"autostart"`
	Network        json.RawMessage `json:"network"`
	LXCExtraConfig json.RawMessage `json:"lxcExtraConfig"`
	Limits         json.RawMessage `json:"limits"`
	BindMounts     json.RawMessage `json:"bindMounts"`
	ForwardPorts   json.RawMessage `json:"forwardPorts"`
	Ephemeral      json.RawMessage `json:"ephemeral"`
	Macvlans       json.RawMessage `json:"macvlans"`
}

// Known is every top-level attribute of the attribute-set form.
var Known = []string{"autostart", "bindMounts", "configuration", "ephemeral", "forwardPorts", "limits", "lxcExtraConfig", "macvlans", "name", "network"}

// FromEvaluated checks the evaluated settings. fileName is the `name` the file
// itself gives, if any (nixcloud's field; the command line's name wins).
func FromEvaluated(e Evaluated) (s Settings, fileName string, err error) {
	if len(e.Unknown) > 0 {
		sort.Strings(e.Unknown)
		return s, "", fmt.Errorf("%w setting %q (known: %s)", ErrInvalid, e.Unknown[0], strings.Join(Known, ", "))
	}
	if len(e.Misplaced) > 0 {
		sort.Strings(e.Misplaced)
		return s, "", fmt.Errorf("%w setting %q outside the attribute-set form: with container settings, put the NixOS configuration under `configuration = { ... };`", ErrInvalid, e.Misplaced[0])
	}
	if isSet(e.Name) {
		if err := json.Unmarshal(e.Name, &fileName); err != nil {
			return s, "", fmt.Errorf("%w name: must be a string", ErrInvalid)
		}
	}
	if s.Autostart, err = parseAutostart(e.Autostart); err != nil {
		return s, "", err
	}
	if s.Network, err = parseNetwork(e.Network); err != nil {
		return s, "", err
	}
	if isSet(e.LXCExtraConfig) {
		if err := json.Unmarshal(e.LXCExtraConfig, &s.LXCExtraConfig); err != nil {
			return s, "", fmt.Errorf("%w lxcExtraConfig: must be a string", ErrInvalid)
		}
		if _, err := lxcconf.ParseExtra(s.LXCExtraConfig); err != nil {
			return s, "", err
		}
	}
	if s.Limits, err = parseLimits(e.Limits); err != nil {
		return s, "", err
	}
	if s.BindMounts, err = parseBindMounts(e.BindMounts); err != nil {
		return s, "", err
	}
	if s.ForwardPorts, err = parseForwardPorts(e.ForwardPorts); err != nil {
		return s, "", err
	}
	if isSet(e.Ephemeral) {
		if err := json.Unmarshal(e.Ephemeral, &s.Ephemeral); err != nil {
			return s, "", fmt.Errorf("%w ephemeral: must be a boolean", ErrInvalid)
		}
	}
	if s.Macvlans, err = parseMacvlans(e.Macvlans); err != nil {
		return s, "", err
	}
	return s, fileName, nil
}

func isSet(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

func parseAutostart(raw json.RawMessage) (Autostart, error) {
	var a Autostart
	if !isSet(raw) {
		return a, nil
	}
	if err := json.Unmarshal(raw, &a.Enable); err == nil {
		return a, nil
	}
	var set struct {
		Enable *bool `json:"enable"`
		Order  *int  `json:"order"`
		Delay  *int  `json:"delay"`
	}
	if err := strictUnmarshal(raw, &set); err != nil {
		return a, fmt.Errorf("%w autostart: must be a boolean or { enable = bool; order = int; delay = int; } (%v)", ErrInvalid, err)
	}
	a.Enable = set.Enable == nil || *set.Enable
	if set.Order != nil {
		if *set.Order < -1000 || *set.Order > 1000 {
			return a, fmt.Errorf("%w autostart.order: %d is not between -1000 and 1000", ErrInvalid, *set.Order)
		}
		a.Order = *set.Order
	}
	if set.Delay != nil {
		// One container's delay holds back every later one at boot.
		if *set.Delay < 0 || *set.Delay > 300 {
			return a, fmt.Errorf("%w autostart.delay: %d is not between 0 and 300 seconds", ErrInvalid, *set.Delay)
		}
		a.Delay = *set.Delay
	}
	return a, nil
}

func parseNetwork(raw json.RawMessage) (Network, error) {
	var n Network
	if !isSet(raw) {
		return n, nil
	}
	var set struct {
		IP        *string `json:"ip"`
		Bridge    *string `json:"bridge"`
		EnableNat *bool   `json:"enableNat"`
		Gateway   *string `json:"gateway"`
	}
	if err := strictUnmarshal(raw, &set); err != nil {
		return n, fmt.Errorf("%w network: %v (expected { ip = string; bridge = string; enableNat = bool; })", ErrInvalid, err)
	}
	if set.Gateway != nil {
		return n, fmt.Errorf("%w network.gateway: not supported (the gateway is the bridge's host address)", ErrInvalid)
	}
	if set.IP != nil {
		n.IP = *set.IP
		if _, err := ParseStaticIP(n.IP); err != nil {
			return n, err
		}
	}
	if set.Bridge != nil {
		n.Bridge = *set.Bridge
		if err := CheckInterfaceName(n.Bridge); err != nil {
			return n, fmt.Errorf("%w network.bridge: %v", ErrInvalid, err)
		}
		if n.IP == "" && !IsNixlxcBridge(n.Bridge) {
			return n, fmt.Errorf("%w network: bridge %q is yours, so network.ip is required (nixlxc allocates addresses only on its own bridges)", ErrInvalid, n.Bridge)
		}
	}
	if set.EnableNat != nil {
		n.EnableNat = *set.EnableNat
	}
	return n, nil
}

// HostonlyBridge and InternetBridge are nixlxc's own bridges.
const (
	HostonlyBridge = "brNC-hostonly"
	InternetBridge = "brNC-internet"
)

// IsNixlxcBridge reports whether a bridge is one nixlxc manages.
func IsNixlxcBridge(name string) bool {
	return name == "" || name == HostonlyBridge
}

// StaticIP is a parsed network.ip.
type StaticIP struct {
	Addr netip.Addr
	Bits int // 0 when the file gave no prefix length
}

// ParseStaticIP parses "10.10.1.2" or "10.10.1.2/24".
func ParseStaticIP(s string) (StaticIP, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() || p.Bits() < 8 || p.Bits() > 30 {
			return StaticIP{}, fmt.Errorf("%w network.ip \"%s\": not an IPv4 address with a prefix length between 8 and 30", ErrInvalid, printable(s))
		}
		return StaticIP{p.Addr(), p.Bits()}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return StaticIP{}, fmt.Errorf("%w network.ip \"%s\": not an IPv4 address", ErrInvalid, printable(s))
	}
	return StaticIP{Addr: a}, nil
}

// CheckInterfaceName checks a Linux interface name.
func CheckInterfaceName(s string) error {
	if s == "" || len(s) > 15 || s == "." || s == ".." {
		return fmt.Errorf("\"%s\" is not an interface name (1 to 15 characters)", printable(s))
	}
	for _, r := range s {
		if r <= ' ' || r == '/' || r == ':' || r >= 0x7f {
			return fmt.Errorf("\"%s\" is not an interface name", printable(s))
		}
	}
	return nil
}

func parseLimits(raw json.RawMessage) (Limits, error) {
	var l Limits
	if !isSet(raw) {
		return l, nil
	}
	var set struct {
		Memory json.RawMessage `json:"memory"`
		CPUs   *float64        `json:"cpus"`
		Pids   *float64        `json:"pids"`
	}
	if err := strictUnmarshal(raw, &set); err != nil {
		return l, fmt.Errorf("%w limits: %v (expected { memory = \"512M\"; cpus = 1.5; pids = 200; })", ErrInvalid, err)
	}
	if isSet(set.Memory) {
		var s string
		if err := json.Unmarshal(set.Memory, &s); err != nil {
			var n float64
			if err := json.Unmarshal(set.Memory, &n); err != nil {
				return l, fmt.Errorf("%w limits.memory: must be a size such as \"512M\"", ErrInvalid)
			}
			s = strconv.FormatFloat(n, 'f', -1, 64)
		}
		if _, err := ParseSize(s); err != nil {
			return l, err
		}
		l.Memory = s
	}
	if set.CPUs != nil {
		if *set.CPUs < 0.01 || *set.CPUs > 4096 {
			return l, fmt.Errorf("%w limits.cpus: %g is not between 0.01 and 4096", ErrInvalid, *set.CPUs)
		}
		l.CPUs = *set.CPUs
	}
	if set.Pids != nil {
		if *set.Pids < 1 || *set.Pids != math.Trunc(*set.Pids) || *set.Pids > 1<<22 {
			return l, fmt.Errorf("%w limits.pids: %g is not a whole number between 1 and 4194304", ErrInvalid, *set.Pids)
		}
		l.Pids = int64(*set.Pids)
	}
	return l, nil
}

// ParseSize reads a memory size: bytes, or a number with K, M, G or T
// (powers of 1024, as systemd and LXC read them).
func ParseSize(s string) (int64, error) {
	bad := fmt.Errorf("%w limits.memory \"%s\": not a size such as 512M or 2G", ErrInvalid, printable(s))
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, bad
	}
	// Accept 512M, 512MB, 512Mi and 512MiB alike.
	t = strings.ToUpper(t)
	if strings.HasSuffix(t, "B") && len(t) > 1 && strings.ContainsAny(t[len(t)-2:len(t)-1], "KMGTI") {
		t = strings.TrimSuffix(t, "B")
	}
	t = strings.TrimSuffix(t, "I")
	mult := float64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		}
	}
	if mult != 1 {
		t = t[:len(t)-1]
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, bad
	}
	bytes := n * mult
	if bytes < 4<<20 {
		return 0, fmt.Errorf("%w limits.memory \"%s\": below the 4M a container needs to start", ErrInvalid, printable(s))
	}
	if bytes > 1<<50 {
		return 0, bad
	}
	return int64(bytes), nil
}

// MemoryBytes is the memory limit in bytes (0: none).
func (l Limits) MemoryBytes() int64 {
	if l.Memory == "" {
		return 0
	}
	n, _ := ParseSize(l.Memory)
	return n
}

func strictUnmarshal(raw json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return cleanJSONError(err)
	}
	return nil
}

// cleanJSONError turns encoding/json's wording into the file's vocabulary.
func cleanJSONError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	msg = strings.Replace(msg, "unknown field", "unknown attribute", 1)
	if ute, ok := err.(*json.UnmarshalTypeError); ok {
		what := ute.Field
		if what == "" {
			what = "it"
		}
		msg = fmt.Sprintf("%s must be %s, not %s", what, article(nixType(ute.Type.Kind().String())), article(nixType(ute.Value)))
	}
	return fmt.Errorf("%s", msg)
}

func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func nixType(goType string) string {
	switch goType {
	case "bool":
		return "boolean"
	case "string":
		return "string"
	case "number", "int", "int64", "float64":
		return "number"
	case "object", "struct":
		return "attribute set"
	case "array", "slice":
		return "list"
	}
	return goType
}

// Extra returns the checked lxcExtraConfig lines.
func (s Settings) Extra() []lxcconf.Item {
	items, _ := lxcconf.ParseExtra(s.LXCExtraConfig)
	return items
}

// ParseRecorded reads the settings a generation recorded, checked as when
// they were read from the file: a module could have rewritten them.
func ParseRecorded(data []byte) (Settings, error) {
	var s Settings
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return s, fmt.Errorf("%w recorded settings: %v", ErrInvalid, err)
	}
	return s, s.Check()
}

// Check runs the checks FromEvaluated runs on settings already typed.
func (s Settings) Check() error {
	n := s.Network
	if n.IP != "" {
		if _, err := ParseStaticIP(n.IP); err != nil {
			return err
		}
	}
	if n.Bridge != "" {
		if err := CheckInterfaceName(n.Bridge); err != nil {
			return fmt.Errorf("%w network.bridge: %v", ErrInvalid, err)
		}
		if n.IP == "" && !IsNixlxcBridge(n.Bridge) {
			return fmt.Errorf("%w network: bridge %q needs network.ip", ErrInvalid, n.Bridge)
		}
	}
	if _, err := lxcconf.ParseExtra(s.LXCExtraConfig); err != nil {
		return fmt.Errorf("%w %v", ErrInvalid, err)
	}
	if s.Limits.Memory != "" {
		if _, err := ParseSize(s.Limits.Memory); err != nil {
			return err
		}
	}
	if s.Limits.CPUs != 0 && (s.Limits.CPUs < 0.01 || s.Limits.CPUs > 4096) {
		return fmt.Errorf("%w limits.cpus: %g", ErrInvalid, s.Limits.CPUs)
	}
	if s.Limits.Pids < 0 || s.Limits.Pids > 1<<22 {
		return fmt.Errorf("%w limits.pids: %d", ErrInvalid, s.Limits.Pids)
	}
	if s.Autostart.Delay < 0 || s.Autostart.Delay > 3600 {
		return fmt.Errorf("%w autostart.delay: %d", ErrInvalid, s.Autostart.Delay)
	}
	if err := checkForwardPorts(s.ForwardPorts); err != nil {
		return err
	}
	if err := checkMacvlans(s.Macvlans); err != nil {
		return err
	}
	return checkBindMounts(s.BindMounts)
}

// JSON renders the settings as recorded with a generation.
func (s Settings) JSON() string {
	b, _ := json.Marshal(s)
	return string(b)
}

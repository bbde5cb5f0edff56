package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/internal/testenv"
)

// The NixOS module cannot be evaluated against a real nixpkgs here: it is
// parse-checked, and its host.json is evaluated with the stand-in's module
// system and read by nixlxc's own parser.
func TestNixOSModule(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate")
	for _, f := range []string{"nixos/module.nix", "nixos/package.nix"} {
		if out, err := exec.Command("nix-instantiate", "--parse", filepath.Join(repoRoot, f)).CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s", f, err, out)
		}
	}
	expr := `let eval = import <nixpkgs/nixos/lib/eval-config.nix> { modules = [ ` + filepath.Join(repoRoot, "nixos/module.nix") + ` {
	    services.nixlxc = { enable = true; internetInterface = "enp0s3"; hostonlyIsolated = true;
	      ipv6 = { enable = true; ipv6Prefix = "2001:db8:1:1::"; ipv6InternetInterfaceAddress = "2001:db8:1:1::1"; }; };
	  } ]; };
	in { json = eval.config.environment.etc."nixlxc/host.json".text;
	     subuid = eval.config.users.users.root.subUidRanges;
	     wanted = eval.config.systemd.services.nixlxc.wantedBy; }`
	out, err := exec.Command("nix-instantiate", "--eval", "--strict", "--json", "-E", expr,
		"-I", "nixpkgs="+filepath.Join(repoRoot, "standin-nixpkgs")).CombinedOutput()
	if err != nil {
		t.Fatalf("evaluating the module: %v\n%s", err, out)
	}
	var got struct {
		JSON   string `json:"json"`
		Subuid []struct {
			StartUID int `json:"startUid"`
			Count    int `json:"count"`
		} `json:"subuid"`
		Wanted []string `json:"wanted"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	c, err := bridges.ParseHostConfig([]byte(got.JSON))
	if err != nil {
		t.Fatalf("the module's host.json does not parse: %v\n%s", err, got.JSON)
	}
	if c.InternetInterface != "enp0s3" || !c.HostonlyIsolated || !c.IPv6.Enable || c.IPv6.PrefixLength != 64 {
		t.Errorf("host.json from the module: %+v", c)
	}
	if len(got.Subuid) != 1 || got.Subuid[0].StartUID != 100000 || got.Subuid[0].Count < 65536 {
		t.Errorf("root's subuid ranges: %+v", got.Subuid)
	}
	if len(got.Wanted) != 1 || got.Wanted[0] != "multi-user.target" {
		t.Errorf("the service is wanted by %v", got.Wanted)
	}
}

// The package's vendorHash must follow go.mod: it is the NAR hash of what
// `go mod vendor` produces.
func TestNixOSPackageVendorHash(t *testing.T) {
	testenv.RequireTools(t, "nix-hash", "nix", "go")
	dir := t.TempDir()
	vendor := filepath.Join(dir, "vendor")
	cmd := exec.Command("go", "mod", "vendor", "-o", vendor)
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod vendor: %v\n%s", err, out)
	}
	b32, err := exec.Command("nix-hash", "--type", "sha256", "--base32", vendor).Output()
	if err != nil {
		t.Fatal(err)
	}
	sri, err := exec.Command("nix", "--extra-experimental-features", "nix-command", "hash", "to-sri", "--type", "sha256", strings.TrimSpace(string(b32))).Output()
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := os.ReadFile(filepath.Join(repoRoot, "nixos/package.nix"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`vendorHash = "([^"]+)"`).FindSubmatch(pkg)
	if m == nil || string(m[1]) != strings.TrimSpace(string(sri)) {
		t.Errorf("nixos/package.nix vendorHash is %q, go mod vendor gives %q", m, strings.TrimSpace(string(sri)))
	}
}

// The systemd unit runs autostart at boot and shutdown-all at shutdown.
func TestSystemdUnit(t *testing.T) {
	unit := readFile(t, filepath.Join(repoRoot, "systemd/nixlxc.service"))
	for _, want := range []string{
		"After=network-online.target",
		"ExecStart=/usr/local/bin/nixlxc autostart",
		"ExecStop=/usr/local/bin/nixlxc shutdown-all",
		"RemainAfterExit=yes",
		"WantedBy=multi-user.target",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("nixlxc.service lacks %q", want)
		}
	}
}

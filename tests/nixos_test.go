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

// nixos/package.nix, called with the stand-in's lib and a buildGoModule
// that returns its arguments: it builds what `make build` builds (same tags
// and linker flags, the version in --version), and its source filter keeps
// exactly what the build reads. The realised source is built with those
// flags, as buildGoModule would (it adds -trimpath).
func TestNixOSPackage(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate", "go")
	expr := `let
	  lib = import <nixpkgs/lib>;
	  pkg = import ` + filepath.Join(repoRoot, "nixos/package.nix") + ` {
	    inherit lib; buildGoModule = args: args; pkg-config = null; lxc = null; };
	  root = "` + repoRoot + `";
	  keeps = path: type: pkg.src.filter "${root}/${path}" type;
	in {
	  inherit (pkg) version tags ldflags subPackages;
	  src = "${pkg.src}";
	  kept = builtins.filter (p: keeps p.path p.type) [
	    { path = "bin"; type = "directory"; } { path = "bench-results"; type = "directory"; }
	    { path = "vendor"; type = "directory"; } { path = ".git"; type = "directory"; }
	    { path = "result"; type = "symlink"; } { path = "README.md"; type = "regular"; }
	    { path = "cmd/nixlxc/main.go"; type = "regular"; } { path = "go.mod"; type = "regular"; }
	    { path = "go.sum"; type = "regular"; } { path = "nixsys/nix/system.nix"; type = "regular"; }
	    { path = "nixsys"; type = "directory"; } ];
	}`
	// --read-write-mode: realising the filtered source copies it to the store.
	out, err := exec.Command("nix-instantiate", "--eval", "--strict", "--json", "--read-write-mode", "-E", expr,
		"-I", "nixpkgs="+filepath.Join(repoRoot, "standin-nixpkgs")).CombinedOutput()
	if err != nil {
		t.Fatalf("evaluating nixos/package.nix: %v\n%s", err, out)
	}
	var pkg struct {
		Version     string   `json:"version"`
		Tags        []string `json:"tags"`
		Ldflags     []string `json:"ldflags"`
		SubPackages []string `json:"subPackages"`
		Src         string   `json:"src"`
		Kept        []struct {
			Path string `json:"path"`
		} `json:"kept"`
	}
	if err := json.Unmarshal(out, &pkg); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var kept []string
	for _, k := range pkg.Kept {
		kept = append(kept, k.Path)
	}
	if got, want := strings.Join(kept, " "), "cmd/nixlxc/main.go go.mod go.sum nixsys/nix/system.nix nixsys"; got != want {
		t.Errorf("the source filter keeps %q, want %q", got, want)
	}

	// The Makefile's build line is what the package must match.
	mk := regexp.MustCompile(`\$\(GO\) build -tags (\S+) -trimpath -ldflags "([^"]*)\$\(VERSION\)" -o bin/nixlxc ./cmd/nixlxc`).
		FindStringSubmatch(readFile(t, filepath.Join(repoRoot, "Makefile")))
	if mk == nil {
		t.Fatal("the Makefile's build line has changed: update this test and nixos/package.nix together")
	}
	if got := strings.Join(pkg.Tags, ","); got != mk[1] {
		t.Errorf("package tags %q, make build uses %q", got, mk[1])
	}
	if got, want := strings.Join(pkg.Ldflags, " "), mk[2]+pkg.Version; got != want {
		t.Errorf("package ldflags %q, make build uses %q", got, want)
	}
	if len(pkg.SubPackages) != 1 || pkg.SubPackages[0] != "cmd/nixlxc" {
		t.Errorf("subPackages %q", pkg.SubPackages)
	}

	// The filtered source alone builds; the binary reports the version.
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-r", pkg.Src, filepath.Join(dir, "src")).CombinedOutput(); err != nil {
		t.Fatalf("copying the source: %v\n%s", err, out)
	}
	exec.Command("chmod", "-R", "u+w", dir).Run()
	bin := filepath.Join(dir, "nixlxc")
	build := exec.Command("go", "build", "-tags", strings.Join(pkg.Tags, ","), "-trimpath",
		"-ldflags", strings.Join(pkg.Ldflags, " "), "-o", bin, "./"+pkg.SubPackages[0])
	build.Dir = filepath.Join(dir, "src")
	// Offline, from the module cache, as buildGoModule builds from its vendor directory.
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the package's source: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "--version").CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "nixlxc version "+pkg.Version {
		t.Errorf("nixlxc --version: %q, %v; want version %s", out, err, pkg.Version)
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

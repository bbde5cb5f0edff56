package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/internal/testenv"
	"github.com/nixlxc/nixlxc/locations"
)

// evalHost evaluates expr (over `c`, the config) for a NixOS host with
// nixos/module.nix, the given services.nixlxc settings and users (Nix
// attribute set texts), against the stand-in nixpkgs, whose option types
// check values as NixOS's do. Packages the stand-in lacks are scripts that
// append their arguments to record.
func evalHost(t *testing.T, settings, users, record, expr string, extra ...string) ([]byte, error) {
	t.Helper()
	full := `let
	  eval = import <nixpkgs/nixos/lib/eval-config.nix> { modules = [
	    (import ` + filepath.Join(repoRoot, "tests/testdata/nixos-host.nix") + ` {
	      module = ` + filepath.Join(repoRoot, "nixos/module.nix") + `;
	      settings = ` + settings + `; users = ` + users + `; record = "` + record + `"; })
	  ]; };
	  c = eval.config;
	in ` + expr
	tool, args := "nix-instantiate", []string{"--eval", "--strict", "--json"}
	if len(extra) > 0 && extra[0] == "build" {
		tool, args = "nix-build", []string{"--no-out-link"}
	}
	cmd := exec.Command(tool, append(args, "-E", full, "-I", "nixpkgs="+filepath.Join(repoRoot, "standin-nixpkgs"))...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	return out, nil
}

// The settings every case starts from: all of the module's options.
const moduleSettings = `{ internetInterface = "enp0s3"; hostonlyIsolated = true; trustedOwners = [ "alice" ];
  allowPrivilegedForwards = true;
  bindMountSources = [ "/srv/shared" ]; stateDir = "/srv/nixlxc"; profileDir = "/srv/nixlxc-profiles"; shutdownTimeout = 45;
  ipv6 = { enable = true; ipv6Prefix = "2001:db8:1:1::"; ipv6PrefixLength = 64;
    ipv6InternetInterfaceAddress = "2001:db8:1:1::1"; ipv6NameServers = [ "2001:db8::53" ]; }; }`

// Two normal users, with the automatic ranges NixOS gives them.
const moduleUsers = `{ alice = { isNormalUser = true; autoSubUidGidRange = true; };
  bob = { isNormalUser = true; autoSubUidGidRange = true; }; }`

// TestNixOSModule evaluates nixos/module.nix against the stand-in nixpkgs,
// with the NixOS options it sets declared with nixpkgs' types: the files it
// writes (built, then read by nixlxc's own parsers), its units, its
// assertions, and that the stop at shutdown stops containers only then.
func TestNixOSModule(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate", "nix-build")
	for _, f := range []string{"nixos/module.nix", "nixos/package.nix", "tests/testdata/nixos-host.nix"} {
		if out, err := exec.Command("nix-instantiate", "--parse", filepath.Join(repoRoot, f)).CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s", f, err, out)
		}
	}
	record := filepath.Join(t.TempDir(), "record")
	out, err := evalHost(t, moduleSettings, moduleUsers, record, `{
	  failed = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
	  nixlxc = c.systemd.services.nixlxc;
	  network = c.systemd.services.nixlxc-network;
	  trusted = c.networking.firewall.trustedInterfaces;
	  dhcpcd = c.networking.dhcpcd.denyInterfaces;
	  unmanaged = c.networking.networkmanager.unmanaged;
	  root = c.users.users.root;
	  lxc = c.virtualisation.lxc.enable;
	  packages = map (p: p.name) c.environment.systemPackages;
	}`)
	if err != nil {
		t.Fatalf("evaluating the module: %v", err)
	}
	type unit struct {
		WantedBy         []string          `json:"wantedBy"`
		After            []string          `json:"after"`
		PartOf           []string          `json:"partOf"`
		Path             []string          `json:"path"`
		RestartIfChanged any               `json:"restartIfChanged"`
		UnitConfig       map[string]any    `json:"unitConfig"`
		ServiceConfig    map[string]any    `json:"serviceConfig"`
		Environment      map[string]string `json:"environment"`
	}
	type ranges []struct {
		StartUID int `json:"startUid"`
		StartGID int `json:"startGid"`
		Count    int `json:"count"`
	}
	var got struct {
		Failed    []string `json:"failed"`
		Nixlxc    unit     `json:"nixlxc"`
		Network   unit     `json:"network"`
		Trusted   []string `json:"trusted"`
		DHCPCD    []string `json:"dhcpcd"`
		Unmanaged []string `json:"unmanaged"`
		Root      struct {
			SubUIDRanges ranges `json:"subUidRanges"`
			SubGIDRanges ranges `json:"subGidRanges"`
		} `json:"root"`
		LXC      bool     `json:"lxc"`
		Packages []string `json:"packages"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got.Failed) > 0 {
		t.Errorf("assertions failed: %q", got.Failed)
	}

	// The boot service: autostart at boot, left alone by nixos-rebuild.
	n := got.Nixlxc
	if n.RestartIfChanged != false {
		t.Errorf("nixlxc.service restartIfChanged = %v, want false", n.RestartIfChanged)
	}
	if !reflect.DeepEqual(n.WantedBy, []string{"multi-user.target"}) || !contains(n.After, "network-online.target") {
		t.Errorf("nixlxc.service wantedBy %q, after %q", n.WantedBy, n.After)
	}
	if exe, _ := n.ServiceConfig["ExecStart"].(string); !regexp.MustCompile(`^/nix/store/[^/]+-nixlxc/bin/nixlxc autostart$`).MatchString(exe) {
		t.Errorf("nixlxc.service ExecStart = %q", exe)
	}
	if n.ServiceConfig["Delegate"] != true || n.ServiceConfig["Type"] != "oneshot" || n.ServiceConfig["RemainAfterExit"] != true {
		t.Errorf("nixlxc.service serviceConfig = %v", n.ServiceConfig)
	}
	if len(n.Path) != 3 || !strings.HasSuffix(n.Path[2], "-newuidmap") {
		t.Errorf("nixlxc.service path %q lacks shadow's newuidmap", n.Path)
	}
	if len(n.Environment) != 0 {
		t.Errorf("nixlxc.service environment %v: the installation comes from /etc/nixlxc/config.json", n.Environment)
	}
	// The network unit: set up again whenever nftables reloads or restarts.
	w := got.Network
	if !contains(w.PartOf, "nftables.service") || !contains(w.After, "nftables.service") || !reflect.DeepEqual(w.UnitConfig["ReloadPropagatedFrom"], []any{"nftables.service"}) {
		t.Errorf("nixlxc-network.service partOf %q, after %q, unitConfig %v", w.PartOf, w.After, w.UnitConfig)
	}
	for _, k := range []string{"ExecStart", "ExecReload"} {
		if exe, _ := w.ServiceConfig[k].(string); !strings.HasSuffix(exe, "/bin/nixlxc host setup") {
			t.Errorf("nixlxc-network.service %s = %q", k, exe)
		}
	}
	if !reflect.DeepEqual(got.Trusted, []string{bridges.Hostonly}) {
		t.Errorf("trusted interfaces %q, want only %s", got.Trusted, bridges.Hostonly)
	}
	for _, i := range []string{"brNC-*", "nh-*", "nb-*", "ni-*"} {
		if !contains(got.DHCPCD, i) || !contains(got.Unmanaged, "interface-name:"+i) {
			t.Errorf("%s is left to dhcpcd (%q) or NetworkManager (%q)", i, got.DHCPCD, got.Unmanaged)
		}
	}
	want := ranges{{StartUID: 1879048192, Count: 65536000}}
	if !reflect.DeepEqual(got.Root.SubUIDRanges, want) || len(got.Root.SubGIDRanges) != 1 || got.Root.SubGIDRanges[0].StartGID != 1879048192 {
		t.Errorf("root's ranges: %+v %+v", got.Root.SubUIDRanges, got.Root.SubGIDRanges)
	}
	// Debian's setup-host.sh warns about overlaps and names the same start.
	if setup := readFile(t, filepath.Join(repoRoot, "scripts/setup-host.sh")); !strings.Contains(setup, "SAFE_SUBID_START=1879048192\n") {
		t.Error("scripts/setup-host.sh does not suggest the module's subIdStart")
	}
	if !got.LXC || !contains(got.Packages, "nixlxc") || !contains(got.Packages, "lxc-start") {
		t.Errorf("virtualisation.lxc.enable = %v, packages %q", got.LXC, got.Packages)
	}

	// trustHostonly = false puts the firewall between containers and the
	// host's services.
	if out, err := evalHost(t, "{ trustHostonly = false; }", moduleUsers, record, `c.networking.firewall.trustedInterfaces`); err != nil || strings.TrimSpace(string(out)) != "[]" {
		t.Errorf("with trustHostonly = false the firewall trusts %s (%v)", out, err)
	}

	// The files it writes, built, read by nixlxc's own parsers.
	out, err = evalHost(t, moduleSettings, moduleUsers, record,
		`[ c.system.build.etc (eval.pkgs.runCommand "stop" { } "ln -s ${c.systemd.services.nixlxc.serviceConfig.ExecStop} $out") ]`, "build")
	if err != nil {
		t.Fatalf("building /etc and the stop script: %v", err)
	}
	paths := strings.Fields(string(out))
	if len(paths) != 2 {
		t.Fatalf("nix-build printed %q", out)
	}
	etc, stop := filepath.Join(paths[0], "etc"), paths[1]
	host, err := bridges.LoadHostConfig(filepath.Join(etc, "nixlxc/host.json"))
	if err != nil {
		t.Fatalf("the module's host.json: %v", err)
	}
	if host.InternetInterface != "enp0s3" || !host.HostonlyIsolated || !host.IPv6.Enable || host.IPv6.Prefix != "2001:db8:1:1::" ||
		host.IPv6.PrefixLength != 64 || host.IPv6.InternetInterfaceAddress != "2001:db8:1:1::1" || !reflect.DeepEqual(host.IPv6.NameServers, []string{"2001:db8::53"}) ||
		!reflect.DeepEqual(host.TrustedOwners, []string{"alice"}) || !host.AllowPrivilegedForwards || !reflect.DeepEqual(host.BindMountSources, []string{"/srv/shared"}) {
		t.Errorf("host.json from the module: %+v", host)
	}
	inst, err := locations.Load(filepath.Join(etc, "nixlxc/config.json"))
	if err != nil {
		t.Fatalf("the module's config.json: %v", err)
	}
	if inst != (locations.Locations{StateDir: "/srv/nixlxc", ProfileDir: "/srv/nixlxc-profiles", HostConfig: "/etc/nixlxc/host.json"}) {
		t.Errorf("config.json from the module: %+v", inst)
	}

	// The stop stops containers when the host shuts down, and only then.
	fake := t.TempDir()
	if err := os.WriteFile(filepath.Join(fake, "systemctl"), []byte("#!/bin/sh\necho \"$STATE\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ state, want string }{
		{"running", ""},
		{"degraded", ""},
		{"stopping", "nixlxc shutdown-all --timeout 45s\n"},
	} {
		os.Remove(record)
		cmd := exec.Command(stop)
		cmd.Env = []string{"PATH=" + fake + ":/usr/bin:/bin", "STATE=" + c.state}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("ExecStop with the system %s: %v\n%s", c.state, err, out)
		}
		data, _ := os.ReadFile(record)
		if string(data) != c.want {
			t.Errorf("ExecStop with the system %s ran %q, want %q", c.state, data, c.want)
		}
	}
}

// A setting of the wrong type fails the evaluation, with NixOS's message:
// the stand-in's types check values as nixpkgs' do.
func TestNixOSModuleTypes(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate")
	force := `builtins.deepSeq c.services.nixlxc true`
	if out, err := evalHost(t, moduleSettings, moduleUsers, "/dev/null", force); err != nil || strings.TrimSpace(string(out)) != "true" {
		t.Fatalf("the good settings: %s, %v", out, err)
	}
	for _, c := range []struct{ settings, option string }{
		{`{ ipv6.ipv6PrefixLength = 200; }`, "services.nixlxc.ipv6.ipv6PrefixLength"},
		{`{ ipv6.ipv6PrefixLength = 4; }`, "services.nixlxc.ipv6.ipv6PrefixLength"},
		{`{ stateDir = "relative/dir"; }`, "services.nixlxc.stateDir"},
		{`{ profileDir = 42; }`, "services.nixlxc.profileDir"},
		{`{ subIdStart = "100000"; }`, "services.nixlxc.subIdStart"},
		{`{ subIdCount = 0; }`, "services.nixlxc.subIdCount"},
		{`{ hostonlyIsolated = "yes"; }`, "services.nixlxc.hostonlyIsolated"},
		{`{ internetInterface = 5; }`, "services.nixlxc.internetInterface"},
		{`{ ipv6.ipv6NameServers = "2001:db8::53"; }`, "services.nixlxc.ipv6.ipv6NameServers"},
		{`{ ipv6.ipv6NameServers = [ 53 ]; }`, "services.nixlxc.ipv6.ipv6NameServers"},
		{`{ shutdownTimeout = -1; }`, "services.nixlxc.shutdownTimeout"},
	} {
		_, err := evalHost(t, c.settings, "{ }", "/dev/null", force)
		if err == nil || !strings.Contains(err.Error(), "A definition for option `"+c.option+"' is not of type") {
			t.Errorf("%s: evaluation gave %v, want a type error for %s", c.settings, err, c.option)
		}
	}
}

// The assertions: IPv6 needs its prefix; root's ids for containers must not
// overlap any user's, the automatic ranges NixOS gives normal users included.
func TestNixOSModuleAssertions(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate")
	failed := `map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions)`
	for _, c := range []struct{ settings, users, mention string }{
		{`{ ipv6.enable = true; }`, "{ }", "ipv6Prefix"},
		{`{ ipv6 = { enable = true; ipv6Prefix = "2001:db8:1:1::"; }; }`, "{ }", "ipv6InternetInterfaceAddress"},
		// Root at 100000, as on Debian: alice's automatic range is 100000-165535.
		{`{ subIdStart = 100000; }`, moduleUsers, "the 2 users with autoSubUidGidRange (100000-231071)"},
		{`{ subIdStart = 165536; subIdCount = 65536; }`, moduleUsers, "autoSubUidGidRange"},
		{`{ }`, `{ carol.subUidRanges = [ { startUid = 1879048192 + 65536 * 10; count = 65536; } ]; }`, "subUidRanges or subGidRanges of carol"},
		{`{ }`, `{ dave.subGidRanges = [ { startGid = 1879048192 - 10; count = 11; } ]; }`, "of dave"},
		{`{ subIdStart = 4294000000; }`, "{ }", "past the last uid"},
		{`{ subIdCount = 1000; }`, "{ }", "each container needs 65536 ids"},
	} {
		out, err := evalHost(t, c.settings, c.users, "/dev/null", failed)
		var msgs []string
		if err == nil {
			err = json.Unmarshal(out, &msgs)
		}
		if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0], c.mention) {
			t.Errorf("settings %s, users %s: failed assertions %q (%v), want one mentioning %q", c.settings, c.users, msgs, err, c.mention)
		}
	}
	// Root's range just above the automatic ones, and a user's own range
	// just below root's, are fine.
	out, err := evalHost(t, `{ subIdStart = 231072; }`, `{ alice = { isNormalUser = true; autoSubUidGidRange = true; };
	  bob = { isNormalUser = true; autoSubUidGidRange = true; }; erin.subUidRanges = [ { startUid = 200000; count = 31072; } ]; }`, "/dev/null", failed)
	if err != nil || strings.TrimSpace(string(out)) != "[]" {
		t.Errorf("adjacent ranges: %s, %v", out, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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
// and linker flags, the version in --version, the helper), and its source
// filter keeps exactly what the build reads. The realised source is built
// with those flags, as buildGoModule would (it adds -trimpath), and its
// postInstall builds the helper where nixlxc looks for it.
func TestNixOSPackage(t *testing.T) {
	testenv.RequireTools(t, "nix-instantiate", "go")
	expr := `let
	  lib = import <nixpkgs/lib>;
	  pkg = import ` + filepath.Join(repoRoot, "nixos/package.nix") + ` {
	    inherit lib; buildGoModule = args: args; pkg-config = null; lxc = null; };
	  root = "` + repoRoot + `";
	  keeps = path: type: pkg.src.filter "${root}/${path}" type;
	in {
	  inherit (pkg) version tags ldflags subPackages postInstall;
	  src = "${pkg.src}";
	  kept = builtins.filter (p: keeps p.path p.type) [
	    { path = "bin"; type = "directory"; } { path = "bench-results"; type = "directory"; }
	    { path = "vendor"; type = "directory"; } { path = ".git"; type = "directory"; }
	    { path = "result"; type = "symlink"; } { path = "README.md"; type = "regular"; }
	    { path = "cmd/nixlxc/main.go"; type = "regular"; } { path = "go.mod"; type = "regular"; }
	    { path = "go.sum"; type = "regular"; } { path = "nixsys/nix/system.nix"; type = "regular"; }
	    { path = "nixsys"; type = "directory"; } { path = "Makefile"; type = "regular"; }
	    { path = "helper"; type = "directory"; } { path = "helper/nixlxc-helper.c"; type = "regular"; }
	    { path = "helper/README.md"; type = "regular"; } ];
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
		PostInstall string   `json:"postInstall"`
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
	if got, want := strings.Join(kept, " "), "cmd/nixlxc/main.go go.mod go.sum nixsys/nix/system.nix nixsys Makefile helper helper/nixlxc-helper.c"; got != want {
		t.Errorf("the source filter keeps %q, want %q", got, want)
	}

	// The Makefile's build line is what the package must match, but for
	// the commit: the package's source has no git to ask.
	mk := regexp.MustCompile(`\$\(GO\) build -tags (\S+) -trimpath -ldflags "([^"]*)\$\(VERSION\)(?: -X main\.commit=\$\(COMMIT\))?" -o bin/nixlxc ./cmd/nixlxc`).
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
	if out, err := exec.Command(bin, "--version").CombinedOutput(); err != nil || strings.Split(string(out), "\n")[0] != "nixlxc version "+pkg.Version {
		t.Errorf("nixlxc --version: %q, %v; want version %s", out, err, pkg.Version)
	}

	// postInstall, run in the source as the builder runs it, puts a working
	// helper in libexec/nixlxc/ ($out/bin/nixlxc finds it at ../libexec).
	outDir := filepath.Join(dir, "out")
	install := exec.Command("sh", "-ec", pkg.PostInstall)
	install.Dir = filepath.Join(dir, "src")
	install.Env = append(os.Environ(), "out="+outDir)
	if o, err := install.CombinedOutput(); err != nil {
		t.Fatalf("the package's postInstall: %v\n%s", err, o)
	}
	helper := exec.Command(filepath.Join(outDir, "libexec/nixlxc/nixlxc-helper"))
	if o, err := helper.CombinedOutput(); !strings.Contains(string(o), "run by nixlxc only") {
		t.Errorf("the package's helper: %v\n%s", err, o)
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

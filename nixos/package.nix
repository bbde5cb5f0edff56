# nixlxc as a Nix package, for the NixOS module (pkgs.callPackage ./package.nix { }).
#
# It builds what `make build` builds: cmd/nixlxc with the tag
# urfave_cli_no_docs, -s -w and the version in `nixlxc --version`
# (buildGoModule adds -trimpath), and nixlxc-helper (helper/README.md)
# through the Makefile, into libexec/nixlxc/, where nixlxc looks for it.
# go.mod's go line (1.22) is below the Go of every current nixpkgs, which
# builds with GOTOOLCHAIN=local.
#
# Checked here (tests/nixos_test.go), without a real nixpkgs: vendorHash is
# what `go mod vendor` gives, the source filter keeps what the build reads
# and nothing else, and that source builds with these flags into a binary
# that reports this version, and with postInstall into a helper that runs.
# Not checked: a build by the real buildGoModule.
{ lib, buildGoModule, pkg-config, lxc }:

let
  root = toString ../.;
  # The path relative to the repository: "cmd/nixlxc/main.go".
  relative = path: lib.removePrefix (root + "/") (toString path);
in
buildGoModule rec {
  pname = "nixlxc";
  version = "0.1.0";

  # Only what the build reads: Go files, go.mod, go.sum, the Nix
  # expressions nixsys embeds, the seccomp policy lxcconf embeds, and the
  # helper's source with the Makefile that builds it. Build output (bin/,
  # bench-results/, result links, vendor/) and everything else stay out, so
  # the package does not change when they do.
  src = lib.cleanSourceWith {
    name = "nixlxc-source";
    src = lib.cleanSource ../.;
    filter = path: type:
      let rel = relative path; in
      if type == "directory" then
        !(builtins.elem rel [ "bin" "bench-results" "vendor" ] || lib.hasPrefix "." (baseNameOf rel))
      else
        builtins.elem rel [ "go.mod" "go.sum" "lxcconf/nixlxc.seccomp" "Makefile" "helper/nixlxc-helper.c" ]
        || (type == "regular" && lib.hasSuffix ".go" rel)
        || (type == "regular" && lib.hasPrefix "nixsys/nix/" rel && lib.hasSuffix ".nix" rel);
  };

  vendorHash = "sha256-Vnv+7TZpseyZQoanSP3hjW59m2Fry4xyZKYtT/2eUGg=";
  subPackages = [ "cmd/nixlxc" ];
  tags = [ "urfave_cli_no_docs" ];
  ldflags = [ "-s" "-w" "-X main.version=${version}" ];

  # go-lxc links liblxc through pkg-config; go-sqlite3 carries its SQLite.
  nativeBuildInputs = [ pkg-config ];
  buildInputs = [ lxc ];

  # The helper, linked against the same liblxc; nixlxc finds it in
  # ../libexec/nixlxc/ from its own bin/.
  postInstall = ''
    make helper HELPER=$out/libexec/nixlxc/nixlxc-helper WERROR=
  '';

  # The tests start real containers as root.
  doCheck = false;

  meta = {
    description = "Unprivileged LXC containers whose NixOS system is built by Nix";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "nixlxc";
  };
}

# nixlxc as a Nix package, for the NixOS module. Untested here: no nixpkgs
# is available offline. vendorHash is what `go mod vendor` gives for
# go.mod/go.sum (kept true by tests/nixos_test.go).
{ lib, buildGoModule, pkg-config, lxc }:

buildGoModule {
  pname = "nixlxc";
  version = "0.1.0";
  src = lib.cleanSource ../.;
  vendorHash = "sha256-SRjXDfCGAlL+mYZU/UbZ3lXdT6rObFXniLDrp8rO2RA=";
  subPackages = [ "cmd/nixlxc" ];
  nativeBuildInputs = [ pkg-config ];
  buildInputs = [ lxc ];
  # The tests start real containers as root.
  doCheck = false;
  meta = {
    description = "Unprivileged LXC containers whose NixOS system is built by Nix";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "nixlxc";
  };
}

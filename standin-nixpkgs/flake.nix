# The stand-in as a flake input, for flakes tested offline: what a NixOS
# flake uses of nixpkgs, `lib.nixosSystem` (the stand-in's eval-config,
# as nixpkgs' is), and `legacyPackages.SYSTEM` (the package set).
{
  description = "nixlxc's stand-in for nixpkgs (see README.md)";
  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
    in
    {
      lib = import ./lib // {
        nixosSystem = args: import ./nixos/lib/eval-config.nix args;
      };
      legacyPackages = forAll (system: import ./. { inherit system; });
    };
}

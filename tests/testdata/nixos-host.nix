# A NixOS host configuration for evaluating nixos/module.nix against the
# stand-in nixpkgs: the NixOS options the module sets or reads, declared
# with nixpkgs' types (the stand-in declares none of them), and packages
# the stand-in lacks as small scripts.
#
#   import ./nixos-host.nix { module = ../../nixos/module.nix; settings = { ... }; users = { ... }; }
{ module, settings ? { }, users ? { }, record ? "/dev/null" }:
{ lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  list = t: mkOption { type = types.listOf t; default = [ ]; };
  range = idName: types.submodule {
    options.${idName} = mkOption { type = types.int; };
    options.count = mkOption { type = types.int; default = 1; };
  };
  # A stand-in for a package: bin/NAME records its arguments.
  recorder = name: pkgs.writeShellScriptBin name ''
    echo "${name} $*" >> ${record}
  '';
in
{
  imports = [ module ];

  # As users-groups.nix declares them (autoSubUidGidRange is set by the
  # caller where NixOS would default it: normal users without ranges).
  options.users.users = mkOption {
    type = types.attrsOf (types.submodule {
      options = {
        isNormalUser = mkOption { type = types.bool; default = false; };
        autoSubUidGidRange = mkOption { type = types.bool; default = false; };
        subUidRanges = list (range "startUid");
        subGidRanges = list (range "startGid");
      };
    });
    default = { };
  };
  options.networking.firewall.trustedInterfaces = list types.str;
  options.networking.dhcpcd.denyInterfaces = list types.str;
  options.networking.networkmanager.unmanaged = list types.str;
  options.virtualisation.lxc.enable = mkOption { type = types.bool; default = false; };

  config = {
    nixpkgs.overlays = [
      (final: prev: {
        lxc = recorder "lxc-start";
        shadow = recorder "newuidmap";
        # The stand-in forces an overridden option's default to see whether
        # it is a property (NixOS does not): the module's default package
        # must evaluate, not build.
        buildGoModule = args: args;
        pkg-config = null;
      })
    ];
    services.nixlxc = { enable = true; package = recorder "nixlxc"; } // settings;
    users.users = users;
  };
}

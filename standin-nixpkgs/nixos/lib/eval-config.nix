# Stand-in for nixpkgs/nixos/lib/eval-config.nix: evaluate a NixOS
# configuration with the stand-in's module system and base modules.
# Same interface as the real one (the arguments nixlxc and common tools pass).
{ system ? builtins.currentSystem
, pkgs ? null
, lib ? import ../../lib
, baseModules ? import ../modules/module-list.nix
, extraModules ? [ ]
, modules ? [ ]
, specialArgs ? { }
, extraArgs ? { } # old name of specialArgs
, prefix ? [ ]
, check ? true
, modulesPath ? builtins.toString ../modules
, ...
}:
let
  # Which package set the modules get as `pkgs` (see standin/nixpkgs.nix).
  pkgsModule = {
    _file = toString ./eval-config.nix;
    key = "nixlxc-standin:eval-config-pkgs";
    config.nixpkgs.system = lib.mkDefault system;
    config.nixpkgs.pkgs = lib.mkIf (pkgs != null) (lib.mkDefault pkgs);
  };

  eval = lib.evalModules {
    modules = baseModules ++ extraModules ++ [ pkgsModule ] ++ modules;
    specialArgs = { inherit modulesPath baseModules extraModules; } // extraArgs // specialArgs;
    inherit prefix check;
  };
in
eval // {
  pkgs = eval.config._module.args.pkgs;
}

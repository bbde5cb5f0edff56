# The `pkgs` module argument, from the stand-in package set (or nixpkgs.pkgs).
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.nixpkgs;
  system =
    if cfg.hostPlatform == null then cfg.system
    else cfg.hostPlatform.system or cfg.hostPlatform;
in
{
  options.nixpkgs = {
    system = mkOption { type = types.str; default = builtins.currentSystem; };
    hostPlatform = mkOption { type = types.unspecified; default = null; };
    config = mkOption { type = types.attrs; default = { }; };
    overlays = mkOption { type = types.listOf types.unspecified; default = [ ]; };
    pkgs = mkOption { type = types.pkgs; default = null; };
  };

  config._module.args.pkgs = lib.mkOptionDefault (
    if cfg.pkgs != null then cfg.pkgs
    else import ../../.. { inherit system; inherit (cfg) overlays config; }
  );
}

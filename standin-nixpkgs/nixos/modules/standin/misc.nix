# Small options the stand-in implements (or must know the type of).
{ lib, ... }:
let
  inherit (lib) mkOption types;

  # Which init boots the system: systemd (as on NixOS), or the stand-in's
  # busybox init for tests that start many containers. Chosen by nixlxc's
  # environment (NIXLXC_STANDIN_INIT), so configuration files stay valid
  # NixOS. nixlxc evaluates container files in restricted mode, where
  # getEnv is empty: it hands the choice over on the search path, as an
  # entry named nixlxc-standin-init-VALUE.
  chosen = map (e: lib.removePrefix "nixlxc-standin-init-" e.prefix)
    (builtins.filter (e: lib.hasPrefix "nixlxc-standin-init-" e.prefix) builtins.nixPath);
  initFromEnv =
    let v = if chosen != [ ] then builtins.head chosen else builtins.getEnv "NIXLXC_STANDIN_INIT"; in
    if v == "" || v == "systemd" then "systemd"
    else if v == "busybox" then "busybox"
    else throw "NIXLXC_STANDIN_INIT is \"${v}\": it must be systemd or busybox";
in
{
  options = {
    system.standin.init = mkOption { type = types.enum [ "systemd" "busybox" ]; default = initFromEnv; };
    boot.isContainer = mkOption { type = types.bool; default = false; };
    # Commands the stage-2 init runs after activation, before systemd.
    boot.postBootCommands = mkOption { type = types.lines; default = ""; };
    system.stateVersion = mkOption { type = types.str; default = lib.trivial.release; };
    system.extraSystemBuilderCmds = mkOption { type = types.lines; default = ""; };
    # Without a nix package in the stand-in, only whether it is on matters.
    nix.enable = mkOption { type = types.bool; default = true; };
    assertions = mkOption { type = types.listOf types.unspecified; default = [ ]; };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };
  };
}

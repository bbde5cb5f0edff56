# environment.systemPackages -> the system's `sw` (system.path), and
# /etc/profile. In sw, earlier packages win a name clash and busybox comes
# last: a package can replace a busybox applet, and anything the system
# itself needs (init, activate, switch) uses busybox by absolute path. The
# systemd package is a system package, as on NixOS; with the busybox init,
# its systemctl stand-in is.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types concatStringsSep mapAttrsToList escapeShellArg;
  cfg = config.environment;

  nixosVersion = pkgs.writeShellScriptBin "nixos-version" ''
    echo standin
  '';
in
{
  options.environment = {
    systemPackages = mkOption { type = types.listOf types.package; default = [ ]; };
    variables = mkOption { type = types.attrsOf types.unspecified; default = { }; };
    shellAliases = mkOption { type = types.attrsOf types.str; default = { }; };
    shellInit = mkOption { type = types.lines; default = ""; };
    loginShellInit = mkOption { type = types.lines; default = ""; };
    interactiveShellInit = mkOption { type = types.lines; default = ""; };
  };

  config = {
    environment.systemPackages = [ nixosVersion ]
      ++ lib.optional (config.system.standin.init == "systemd") config.systemd.package;

    system.path = pkgs.symlinkJoin {
      name = "system-path";
      paths = lib.filter (p: p != null) cfg.systemPackages
        ++ lib.optional (config.system.standin.init == "busybox") "${config.system.build.standinTools}/busybox-init"
        ++ [ pkgs.busybox ];
    };

    environment.etc.profile.text = lib.mkDefault ''
      # /etc/profile of the nixlxc stand-in system.
      export PATH=/run/current-system/sw/bin
      export HOME="''${HOME:-/root}"
      ${concatStringsSep "\n" (mapAttrsToList (n: v:
        "export ${n}=${escapeShellArg (if builtins.isList v then concatStringsSep ":" v else toString v)}")
        cfg.variables)}
      ${cfg.shellInit}
      ${cfg.loginShellInit}
      case "$-" in *i*)
        PS1='\u@\h:\w\$ '
      ${concatStringsSep "\n" (mapAttrsToList (n: v: "  alias ${n}=${escapeShellArg v}") cfg.shellAliases)}
      ${cfg.interactiveShellInit}
      ;; esac
    '';
  };
}

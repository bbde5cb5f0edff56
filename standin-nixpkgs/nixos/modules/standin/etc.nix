# environment.etc and the basic /etc files. The result, system.build.etc, is
# a store directory `etc/` of links that activation links into /etc via
# /etc/static (like NixOS). `mode`, `user` and `group` are accepted and
# ignored: every file is a symlink.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption mkDefault types concatStringsSep escapeShellArg;

  etcEntry = types.submodule {
    options = {
      enable = mkOption { type = types.bool; default = true; };
      text = mkOption { type = types.nullOr types.lines; default = null; };
      source = mkOption { type = types.nullOr types.path; default = null; };
      target = mkOption { type = types.nullOr types.str; default = null; };
      mode = mkOption { type = types.str; default = "symlink"; };
    };
  };

  entries = lib.filter (e: e.enable) (lib.mapAttrsToList
    (name: e: e // { target = if e.target == null then name else e.target; })
    config.environment.etc);

  # As NixOS: a text becomes a file of its own in the store, so a file's
  # store path changes only when its text does (switch-to-configuration
  # compares /etc/systemd/system.conf by path). A text that names no store
  # path needs no build.
  textFile = e:
    let n = "etc-${lib.sanitizeDerivationName (baseNameOf e.target)}"; in
    if builtins.hasContext e.text then pkgs.writeText n e.text else builtins.toFile n e.text;
  sourceOf = e:
    if e.source != null then "${e.source}"
    else if e.text != null then "${textFile e}"
    else throw "environment.etc.\"${e.target}\" has neither text nor source";
  install = e:
    let dst = "$out/etc/" + escapeShellArg e.target; in ''
      mkdir -p "$(dirname ${dst})"
      ln -s ${escapeShellArg (sourceOf e)} ${dst}
    '';

  etc = pkgs.runCommand "etc" { } ''
    mkdir -p $out/etc
    ${concatStringsSep "" (map install entries)}
  '';
in
{
  options.environment.etc = mkOption { type = types.attrsOf etcEntry; default = { }; };

  config.system.build.etc = etc;

  config.environment.etc = {
    passwd.text = mkDefault ''
      root:x:0:0:System administrator:/root:/run/current-system/sw/bin/sh
      nobody:x:65534:65534:Unprivileged account (don't use!):/var/empty:/run/current-system/sw/bin/nologin
    '';
    group.text = mkDefault ''
      root:x:0:
      wheel:x:1:
      users:x:100:
      nogroup:x:65534:
    '';
    # root's password is locked: log in with lxc-attach (or nixlxc).
    shadow.text = mkDefault ''
      root:!:1::::::
      nobody:!:1::::::
    '';
    "os-release".text = mkDefault ''
      NAME=NixOS-standin
      ID=nixos-standin
      ID_LIKE=nixos
      VERSION="${lib.trivial.release} (nixlxc stand-in)"
      VERSION_ID=standin
      PRETTY_NAME="NixOS stand-in for nixlxc tests"
    '';
  };
}

# systemd.services -> one "unit" store directory per service that is enabled
# and wanted at boot (wantedBy multi-user.target or default.target, like
# NixOS: a unit nobody wants is not started). A unit directory holds:
#   run          executable: environment, working directory, preStart, then
#                exec of ExecStart (or of `start`, the `script`)
#   start        the `script` with `set -e` (only when `script` is used)
#   type         simple | oneshot   (forking, notify, exec, idle -> simple)
#   restart      always | on-failure | on-success | no
#   restart-sec  seconds to wait before a restart
# A unit depends only on its own definition and busybox, so its store path
# changes exactly when the service changes: switch-to-configuration compares
# these paths. Services run as root; ordering (after/requires) is ignored.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types concatStringsSep concatMapStringsSep escapeShellArg
    mapAttrsToList filterAttrs optionalString;

  serviceOptions = {
    enable = mkOption { type = types.bool; default = true; };
    description = mkOption { type = types.str; default = ""; };
    wantedBy = mkOption { type = types.listOf types.str; default = [ ]; };
    path = mkOption { type = types.listOf types.unspecified; default = [ ]; };
    environment = mkOption { type = types.attrsOf types.unspecified; default = { }; };
    script = mkOption { type = types.lines; default = ""; };
    preStart = mkOption { type = types.lines; default = ""; };
    postStart = mkOption { type = types.lines; default = ""; };
    serviceConfig = mkOption { type = types.attrsOf types.unspecified; default = { }; };
  };

  toList = x: if builtins.isList x then x else [ x ];
  # systemd command-line prefixes (-, @, +, !, :) have no meaning here.
  stripPrefix = cmd: builtins.head (builtins.match "[-@+!:]*(.*)" cmd);
  seconds = v:
    let m = builtins.match "([0-9]+)s?" (toString v); in
    if m == null then "1" else builtins.head m;

  mkUnit = name: svc:
    let
      sc = svc.serviceConfig;
      execStarts = builtins.filter (c: c != "") (map toString (toList (sc.ExecStart or [ ])));
      hasScript = svc.script != "";
      hasStart = execStarts != [ ] || hasScript;
      # A unit with nothing to run has nothing to keep running.
      type = if !hasStart || (sc.Type or "simple") == "oneshot" then "oneshot" else "simple";
      restartSetting = sc.Restart or (if type == "oneshot" then "no" else "always");
      restart =
        if type == "oneshot" then "no"
        else if builtins.elem restartSetting [ "always" "no" "on-failure" "on-success" ] then restartSetting
        else if builtins.elem restartSetting [ "on-abnormal" "on-abort" "on-watchdog" ] then "on-failure"
        else "always";

      out = builtins.placeholder "out";
      binPath = concatMapStringsSep ":" (p: "${p}/bin:${p}/sbin") svc.path;
      envLines = mapAttrsToList
        (n: v: "export ${n}=${escapeShellArg (if builtins.isList v then concatStringsSep ":" (map toString v) else toString v)}")
        (filterAttrs (_: v: v != null) svc.environment);
      envFiles = map (f:
        let optional = lib.hasPrefix "-" f; file = lib.removePrefix "-" f; in
        if optional then "if [ -r ${escapeShellArg file} ]; then set -a; . ${escapeShellArg file}; set +a; fi"
        else "set -a; . ${escapeShellArg file} || exit 1; set +a")
        (map toString (toList (sc.EnvironmentFile or [ ])));
      scEnv = map (kv: "export ${escapeShellArg kv}") (map toString (toList (sc.Environment or [ ])));
      preCmds = map (c:
        if lib.hasPrefix "-" c then "${stripPrefix c} || true"
        else "${stripPrefix c} || exit $?")
        (map toString (toList (sc.ExecStartPre or [ ])));

      run = ''
        #!${pkgs.busybox}/bin/sh
        # Service ${name} (nixlxc stand-in unit).
        export PATH=${escapeShellArg (optionalString (binPath != "") "${binPath}:" + "${pkgs.busybox}/bin:/run/current-system/sw/bin")}
        ${concatStringsSep "\n" (scEnv ++ envLines ++ envFiles)}
        ${optionalString (sc ? WorkingDirectory) "cd ${escapeShellArg (lib.removePrefix "-" (toString sc.WorkingDirectory))} || exit 200"}
        ${optionalString (svc.preStart != "") "${out}/pre-start || exit $?"}
        ${concatStringsSep "\n" preCmds}
        ${if execStarts != [ ] then "exec ${stripPrefix (lib.last execStarts)}"
          else if hasScript then "exec ${out}/start"
          else "exit 0"}
      '';
      script = text: ''
        #!${pkgs.busybox}/bin/sh
        set -e
        ${text}
      '';
    in
    pkgs.runCommand "unit-${lib.sanitizeDerivationName name}"
      {
        inherit run type restart;
        restartSec = seconds (sc.RestartSec or 1);
        start = script svc.script;
        preStart = script svc.preStart;
        passAsFile = [ "run" "start" "preStart" ];
      } ''
      mkdir -p $out
      cp "$runPath" $out/run
      ${optionalString (execStarts == [ ] && hasScript) ''cp "$startPath" $out/start''}
      ${optionalString (svc.preStart != "") ''cp "$preStartPath" $out/pre-start''}
      chmod 0555 $out/*
      echo "$type" > $out/type
      echo "$restart" > $out/restart
      echo "$restartSec" > $out/restart-sec
    '';

  wanted = svc: svc.enable
    && builtins.any (t: t == "multi-user.target" || t == "default.target") svc.wantedBy;
in
{
  options.systemd.services = mkOption {
    type = types.attrsOf (types.submodule { options = serviceOptions; });
    default = { };
  };

  # name -> unit directory, for the services started at boot.
  config.system.build.units = builtins.mapAttrs mkUnit (filterAttrs (_: wanted) config.systemd.services);
}

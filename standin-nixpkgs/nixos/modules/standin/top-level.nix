# config.system.build.toplevel: the system as one store directory.
#
#   init                       PID 1 inside the container (scripts/init.sh)
#   activate                   make / match this system (scripts/activate.sh)
#   bin/switch-to-configuration  switch a running container to this system
#   lib/supervise              per-service supervisor (-> tools)
#   lib/nixlxc.sh              shell helpers shared by the scripts (-> tools)
#   etc -> .../etc             files for /etc (via /etc/static)
#   sw -> system-path          busybox + environment.systemPackages
#   services/<name> -> unit    one per service started at boot (systemd.nix)
#   nixos-version, system      "standin", the system double
#   + whatever system.extraSystemBuilderCmds adds (e.g. nixlxc.json)
{ config, lib, pkgs, ... }:
let
  inherit (lib) concatStringsSep escapeShellArg mapAttrsToList;

  tools = import ./tools.nix { inherit pkgs; };

  # The scripts refer to their own system as @out@ (the toplevel's output
  # path, via placeholder) and to busybox and the helpers by store path.
  script = file: builtins.replaceStrings
    [ "@busybox@" "@out@" "@tools@" ]
    [ "${pkgs.busybox}" (builtins.placeholder "out") "${tools}" ]
    (builtins.readFile file);

  # system.activationScripts: strings or { text; }, run in name order.
  activationSnippets = concatStringsSep "\n" (mapAttrsToList (name: s: ''
    # activation script ${name}
    ( set -e
    ${if builtins.isAttrs s then s.text or "" else toString s}
    ) || echo "activate: warning: activation script ${name} failed" >&2
  '') config.system.activationScripts);

  failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);

  hostName = config.networking.hostName;
  safeName = if builtins.match "[a-zA-Z0-9._+-]+" hostName != null then hostName else "container";

  toplevel = pkgs.runCommand "nixos-system-${safeName}-standin"
    {
      init = script ./scripts/init.sh;
      activate = builtins.replaceStrings [ "@activationScripts@" ] [ activationSnippets ]
        (script ./scripts/activate.sh);
      switch = script ./scripts/switch-to-configuration.sh;
      passAsFile = [ "init" "activate" "switch" ];
      systemDouble = pkgs.system;
    } ''
    mkdir -p $out/bin $out/lib $out/services
    cp "$initPath" $out/init
    cp "$activatePath" $out/activate
    cp "$switchPath" $out/bin/switch-to-configuration
    chmod 0555 $out/init $out/activate $out/bin/switch-to-configuration
    ln -s ${tools}/bin/supervise $out/lib/supervise
    ln -s ${tools}/lib/nixlxc.sh $out/lib/nixlxc.sh
    ln -s ${config.system.build.etc}/etc $out/etc
    ln -s ${config.system.path} $out/sw
    ${concatStringsSep "\n" (mapAttrsToList (name: unit:
      "ln -s ${unit} $out/services/${escapeShellArg name}") config.system.build.units)}
    printf standin > $out/nixos-version
    printf '%s' "$systemDouble" > $out/system
    ${config.system.extraSystemBuilderCmds}
  '';
in
{
  config.system.build.toplevel =
    if failedAssertions != [ ]
    then throw "\nFailed assertions:\n${concatStringsSep "\n" (map (m: "- ${m}") failedAssertions)}"
    else lib.foldr (w: x: builtins.trace "warning: ${w}" x) toplevel config.warnings;
}

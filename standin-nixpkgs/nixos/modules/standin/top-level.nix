# config.system.build.toplevel: the system as one store directory, laid out
# as NixOS's (nixos/modules/system/activation/top-level.nix):
#
#   init                         stage 2: activate, then exec systemd
#   systemd -> systemd-252.38    the systemd package (its store name carries
#                                the version, as nixpkgs')
#   activate, dry-activate       activation (activation.nix)
#   bin/switch-to-configuration  switch a running container to this system
#   init-interface-version       "systemd": a switch between systems whose
#                                inits differ needs a restart (exit 100)
#   etc -> .../etc               files for /etc (via /etc/static)
#   sw -> system-path            environment.systemPackages
#   nixos-version, system        the stand-in's version, the system double
#   + whatever system.extraSystemBuilderCmds adds (e.g. nixlxc.json)
#
# With NIXLXC_STANDIN_INIT=busybox the init is the stand-in's busybox init
# instead, with its switch-to-configuration, lib/supervise and one
# services/<name> per service started at boot (systemd.nix), and no systemd.
{ config, lib, pkgs, ... }:
let
  inherit (lib) concatStringsSep escapeShellArg mapAttrsToList;

  tools = config.system.build.standinTools;
  useSystemd = config.system.standin.init == "systemd";

  # The scripts refer to their own system as @out@ (the toplevel's output
  # path, via placeholder) and to busybox and the helpers by store path.
  script = file: builtins.replaceStrings
    [ "@busybox@" "@out@" "@tools@" "@systemd@" "@distroId@" "@useHostResolvConf@" "@postBootCommands@" ]
    [ "${pkgs.busybox}" (builtins.placeholder "out") "${tools}"
      (if useSystemd then "${config.systemd.package}" else "")
      "nixos-standin"
      (if config.networking.useHostResolvConf then "1" else "")
      "${pkgs.writeText "local-cmds" config.boot.postBootCommands}" ]
    (builtins.readFile file);
  activationScript = text: builtins.replaceStrings [ "@out@" ] [ (builtins.placeholder "out") ] text;

  failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);

  hostName = config.networking.hostName;
  safeName = if builtins.match "[a-zA-Z0-9._+-]+" hostName != null then hostName else "container";

  toplevel = pkgs.runCommand "nixos-system-${safeName}-standin"
    {
      init = script (if useSystemd then ./scripts/stage-2.sh else ./scripts/init.sh);
      activate = activationScript config.system.build.activationScript;
      dryActivate = activationScript config.system.build.dryActivationScript;
      switch = script (if useSystemd then ./scripts/switch-to-configuration-systemd.sh else ./scripts/switch-to-configuration.sh);
      passAsFile = [ "init" "activate" "dryActivate" "switch" ];
      systemDouble = pkgs.system;
      interfaceVersion = if useSystemd then "systemd" else "standin-busybox";
    } ''
    mkdir -p $out/bin
    cp "$initPath" $out/init
    cp "$activatePath" $out/activate
    cp "$dryActivatePath" $out/dry-activate
    cp "$switchPath" $out/bin/switch-to-configuration
    chmod 0555 $out/init $out/activate $out/dry-activate $out/bin/switch-to-configuration
    ln -s ${config.system.build.etc}/etc $out/etc
    ln -s ${config.system.path} $out/sw
    printf '%s' "$interfaceVersion" > $out/init-interface-version
    ${if useSystemd then ''
      ln -s ${config.systemd.package} $out/systemd
    '' else ''
      mkdir -p $out/lib $out/services
      ln -s ${tools}/bin/supervise $out/lib/supervise
      ln -s ${tools}/lib/nixlxc.sh $out/lib/nixlxc.sh
      ${concatStringsSep "\n" (mapAttrsToList (name: unit:
        "ln -s ${unit} $out/services/${escapeShellArg name}") config.system.build.units)}
    ''}
    printf standin > $out/nixos-version
    printf '%s' "$systemDouble" > $out/system
    ${config.system.extraSystemBuilderCmds}
  '';
in
{
  config.system.build.standinTools = import ./tools.nix { inherit pkgs; };

  config.system.build.toplevel =
    if failedAssertions != [ ]
    then throw "\nFailed assertions:\n${concatStringsSep "\n" (map (m: "- ${m}") failedAssertions)}"
    else lib.foldr (w: x: builtins.trace "warning: ${w}" x) toplevel config.warnings;
}

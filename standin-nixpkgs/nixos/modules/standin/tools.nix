# The parts of the runtime that do not depend on a system: the busybox
# init's supervisor, shell helpers and systemctl stand-in, util-linux's
# mountpoint for activation, and the unit parser of switch-to-configuration.
# Kept out of the toplevel so their store paths (and so the units using
# them) stay the same from one system to the next.
{ pkgs }:
let
  subst = file: builtins.replaceStrings [ "@busybox@" "@tools@" ] [ "${pkgs.busybox}" (builtins.placeholder "out") ]
    (builtins.readFile file);
in
pkgs.runCommand "nixlxc-standin-tools"
{
  supervise = subst ./scripts/supervise.sh;
  lib = subst ./scripts/nixlxc.sh;
  mountpoint = subst ./scripts/mountpoint.sh;
  systemctl = subst ./scripts/systemctl-busybox.sh;
  unitInfo = builtins.readFile ./scripts/unit-info.awk;
  passAsFile = [ "supervise" "lib" "mountpoint" "systemctl" "unitInfo" ];
} ''
  mkdir -p $out/bin $out/lib $out/busybox-init/bin
  cp "$supervisePath" $out/bin/supervise
  cp "$mountpointPath" $out/bin/mountpoint
  cp "$systemctlPath" $out/busybox-init/bin/systemctl
  cp "$libPath" $out/lib/nixlxc.sh
  cp "$unitInfoPath" $out/lib/unit-info.awk
  chmod 0555 $out/bin/* $out/busybox-init/bin/*
  chmod 0444 $out/lib/*
''

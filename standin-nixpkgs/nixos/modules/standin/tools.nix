# The parts of the runtime that do not depend on a system: the supervisor
# and the shell helpers. Kept out of the toplevel so their store paths (and
# so the units using them) stay the same from one system to the next.
{ pkgs }:
pkgs.runCommand "nixlxc-standin-tools"
{
  supervise = builtins.replaceStrings [ "@busybox@" "@tools@" ] [ "${pkgs.busybox}" (builtins.placeholder "out") ]
    (builtins.readFile ./scripts/supervise.sh);
  lib = builtins.replaceStrings [ "@busybox@" "@tools@" ] [ "${pkgs.busybox}" (builtins.placeholder "out") ]
    (builtins.readFile ./scripts/nixlxc.sh);
  passAsFile = [ "supervise" "lib" ];
} ''
  mkdir -p $out/bin $out/lib
  cp "$supervisePath" $out/bin/supervise
  cp "$libPath" $out/lib/nixlxc.sh
  chmod 0555 $out/bin/supervise
  chmod 0444 $out/lib/nixlxc.sh
''

# The store paths of several containers' systems, evaluated without
# building anything: what nixlxc apply compares with the systems the
# containers have, to leave unchanged ones alone.
{ buildsJSON }:
builtins.mapAttrs (name: b: (import ./system.nix b).outPath) (builtins.fromJSON buildsJSON)

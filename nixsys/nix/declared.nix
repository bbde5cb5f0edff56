# Every container of a declaration file (or only the one named), with its
# settings as nixlxc reads a container file's (settings-of.nix) and what
# only apply uses.
{ file, only ? "" }:
let
  all = import ./declaration.nix { inherit file; };
  chosen = if only == "" then all else { ${only} = all.${only}; };
in
builtins.mapAttrs
  (name: c: import ./settings-of.nix c.container // {
    inherit (c) declUnknown both noConfig notASet restartIfChanged timeoutStartSec;
  })
  chosen

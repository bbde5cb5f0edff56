# Every container of a declaration file, with its settings as nixlxc reads
# a container file's (settings-of.nix) and what only apply uses.
{ file }:
builtins.mapAttrs
  (name: c: import ./settings-of.nix c.container // {
    inherit (c) declUnknown both noConfig notASet restartIfChanged timeoutStartSec;
  })
  (import ./declaration.nix { inherit file; })

# The names of a declaration file's containers, and nothing else of them.
{ file }:
builtins.attrNames (import ./declaration.nix { inherit file; })

# The directory of each container's config file in a declaration file (null
# for a module written in place), read without reading the config files: the
# directories the restricted evaluation of the declaration may read.
{ file }:
builtins.mapAttrs (name: c: c.configDir) (import ./declaration.nix { inherit file; })

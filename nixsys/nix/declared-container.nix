# One container of a declaration file, as a container file: what the file
# nixlxc apply writes for it imports.
{ file, name }:
(import ./declaration.nix { inherit file; }).${name}.container

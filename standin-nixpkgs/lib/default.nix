# The stand-in's `lib`: the part of nixpkgs' lib that typical NixOS container
# configurations use, written with builtins only.
#
# Like nixpkgs, every function is available both flat (lib.mkIf) and in its
# sub-set (lib.modules.mkIf, lib.strings.hasPrefix, ...). Each file gets the
# final `lib` (lazily) so it can use functions from the others; the sub-sets
# are bound in a `let` so building the flat set never needs itself.
let
  trivial = import ./trivial.nix { inherit lib; };
  lists = import ./lists.nix { inherit lib; };
  strings = import ./strings.nix { inherit lib; };
  attrsets = import ./attrsets.nix { inherit lib; };
  options = import ./options.nix { inherit lib; };
  modules = import ./modules.nix { inherit lib; };
  types = import ./types.nix { inherit lib; };
  sources = import ./sources.nix { inherit lib; };
  meta = import ./meta.nix { inherit lib; };

  lib = trivial // lists // strings // attrsets // options // modules // sources // meta // {
    inherit trivial lists strings attrsets options modules types sources meta;

    # Some old expressions reach lib functions through these names.
    fixedPoints = { inherit (trivial) fix extends; };
    versions = { inherit (strings) splitVersion; };

    # nixlxc's wrapper checks this to leave out the parts that need a real NixOS.
    nixlxcStandin = true;
  };
in
lib

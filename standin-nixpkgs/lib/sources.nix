# Filtered sources (nixpkgs lib/sources.nix subset): cleanSource and
# cleanSourceWith, with nixpkgs' result shape, so a package's `src` can be
# realised here and its `filter` asked about single paths.
{ lib }:
let
  inherit (lib.strings) hasPrefix hasSuffix;

  # A source as its parts: a plain path, or an earlier cleanSourceWith.
  parts = src:
    if src._isLibCleanSourceWith or false then { inherit (src) origSrc filter name; }
    else { origSrc = src; filter = _: _: true; name = "source"; };

  make = { origSrc, filter, name }: {
    _isLibCleanSourceWith = true;
    inherit origSrc filter name;
    outPath = builtins.path { path = origSrc; inherit filter name; };
  };
in
rec {
  # Leaves out version control, editor and build leftovers, as nixpkgs does.
  cleanSourceFilter = path: type:
    let base = baseNameOf (toString path); in
    !((type == "directory" && builtins.elem base [ ".git" ".svn" ".hg" "CVS" ])
      || hasSuffix "~" base
      || builtins.match "^\\.sw[a-z]$" base != null
      || builtins.match "^\\..*\\.sw[a-z]$" base != null
      || hasSuffix ".o" base || hasSuffix ".so" base
      || (type == "symlink" && hasPrefix "result" base)
      || type == "unknown");

  # Both filters apply: the earlier source's and this one's.
  cleanSourceWith = { src, filter ? _: _: true, name ? null }:
    let p = parts src; in
    make {
      inherit (p) origSrc;
      filter = path: type: filter path type && p.filter path type;
      name = if name != null then name else p.name;
    };

  cleanSource = src: cleanSourceWith { inherit src; filter = cleanSourceFilter; };
}

# String functions (nixpkgs lib/strings.nix subset).
{ lib }:
let
  inherit (builtins) stringLength substring length elemAt filter isString concatStringsSep;
in
rec {
  inherit (builtins)
    stringLength substring concatStringsSep replaceStrings match split
    toString compareVersions splitVersion hashString;

  concatStrings = builtins.concatStringsSep "";
  concatMapStrings = f: xs: concatStrings (map f xs);
  concatMapStringsSep = sep: f: xs: concatStringsSep sep (map f xs);
  concatImapStringsSep = sep: f: xs: concatStringsSep sep (lib.lists.imap1 f xs);
  concatLines = xs: concatMapStrings (x: x + "\n") xs;
  optionalString = cond: s: if cond then s else "";

  hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
  hasSuffix = suff: str:
    let
      ls = stringLength str;
      lf = stringLength suff;
    in
    lf <= ls && substring (ls - lf) lf str == suff;
  hasInfix = infix: str: builtins.length (builtins.split (escapeRegex infix) str) > 1;
  removePrefix = pref: str:
    if hasPrefix pref str
    then substring (stringLength pref) (stringLength str - stringLength pref) str
    else str;
  removeSuffix = suff: str:
    if hasSuffix suff str
    then substring 0 (stringLength str - stringLength suff) str
    else str;

  stringToCharacters = s: builtins.genList (i: substring i 1 s) (stringLength s);
  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  toLower = builtins.replaceStrings upperChars lowerChars;
  toUpper = builtins.replaceStrings lowerChars upperChars;

  # splitString "," "a,b" == [ "a" "b" ] (the separator is literal, not a regex).
  splitString = sep: s: filter isString (builtins.split (escapeRegex sep) s);
  escape = chars: builtins.replaceStrings chars (map (c: "\\${c}") chars);
  escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
  escapeShellArg = arg: "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
  escapeShellArgs = args: concatStringsSep " " (map escapeShellArg args);
  escapeNixString = s: builtins.toJSON s;

  fileContents = file: removeSuffix "\n" (builtins.readFile file);
  toInt = s:
    let m = builtins.match "[[:space:]]*(-?[0-9]+)[[:space:]]*" s; in
    if m == null then throw "toInt: could not convert `${s}' to an integer"
    else builtins.fromJSON (builtins.head m);
  fixedWidthString = width: filler: s:
    let n = stringLength s; in
    if n >= width then s else fixedWidthString width filler (filler + s);
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);

  versionOlder = v1: v2: builtins.compareVersions v2 v1 == 1;
  versionAtLeast = v1: v2: !(versionOlder v1 v2);

  makeSearchPath = subDir: paths:
    concatStringsSep ":" (map (p: "${toString p}/${subDir}") (filter (p: p != null) paths));
  makeSearchPathOutput = _output: makeSearchPath;
  makeBinPath = makeSearchPath "bin";
  makeLibraryPath = makeSearchPath "lib";

  # Single-output packages: every output is the package itself.
  getBin = x: x;
  getOut = x: x;
  getLib = x: x;
  getDev = x: x;
  getMan = x: x;
  getExe = x: "${x}/bin/${x.meta.mainProgram or x.pname or (builtins.parseDrvName x.name).name}";

  # Store path names allow only [a-zA-Z0-9+._?=-]; replace anything else by "_".
  sanitizeDerivationName = s:
    concatStrings (map (c: if isString c then c else "_") (builtins.split "[^a-zA-Z0-9+._?=-]" s));

  # Used by NixOS-style docs in option declarations; the stand-in has no manual.
  mdDoc = s: s;
}

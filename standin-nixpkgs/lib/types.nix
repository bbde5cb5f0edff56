# Option types (nixpkgs lib/types.nix subset).
#
# A type tells the merge code (lib/modules.nix) what to do with several
# definitions:
#   - name "lines"/"commas"/"envVar"/"separatedString": join strings,
#   - name "attrsOf": drop attributes whose definitions are all disabled,
#   - a `submodule` with static `options`: their defaults apply to each value.
# Everything else merges generically (lists concatenate, sets recurse, equal
# values are fine, different values conflict).
#
# Its `check` is what NixOS checks a declared option's value against, with
# NixOS's description for the error: bool, int and ints.*, float, number,
# str and its variants, path, package, port, enum, nullOr, listOf,
# attrsOf (the attribute values are options of the element type, checked
# in turn), either, oneOf, addCheck. A submodule, like NixOS's, accepts an
# attribute set, function or path (its options are checked one by one).
# Types with no meaningful check (raw, anything, unspecified, pkgs,
# deferredModule, ...) accept everything.
{ lib }:
let
  inherit (builtins) isAttrs isBool isFloat isFunction isInt isList isPath isString
    all any elem match substring stringLength concatStringsSep toJSON;

  mkType = name: extra: {
    _type = "option-type";
    inherit name;
    description = name;
    check = _: true;
    functor = { inherit name; };
  } // extra;
  simple = name: mkType name { };
  # A leaf type with a check and NixOS's description of it.
  checked = name: description: check: mkType name { inherit description check; };
  elemOf = name: describe: check: elemType: mkType name {
    inherit elemType;
    nestedTypes.elemType = elemType;
    description = describe elemType.description;
    check = check elemType;
  };
  separated = name: sep: checked name "strings concatenated with ${toJSON sep}" isString // { separator = sep; };

  isDerivation = x: isAttrs x && (x.type or null) == "derivation";
  # Strings, paths and anything that interpolates (derivations).
  isStringLike = x: isString x || isPath x || (isAttrs x && (x ? outPath || x ? __toString));
  intBetween = lo: hi: checked "intBetween" "integer between ${toString lo} and ${toString hi} (both inclusive)"
    (x: isInt x && x >= lo && x <= hi);
  isModule = x: isAttrs x || isFunction x || isPath x;
in
rec {
  raw = simple "raw";
  anything = simple "anything";
  unspecified = simple "unspecified";
  attrs = checked "attrs" "attribute set" isAttrs;
  bool = checked "bool" "boolean" isBool;
  int = checked "int" "signed integer" isInt;
  float = checked "float" "floating point number" isFloat;
  number = checked "number" "signed integer or floating point number" (x: isInt x || isFloat x);
  str = checked "str" "string" isString;
  nonEmptyStr = checked "nonEmptyStr" "non-empty string" (x: isString x && match "[[:space:]]*" x == null);
  singleLineStr = checked "singleLineStr" "(optionally newline-terminated) single-line string"
    (x: isString x && match "[^\n\r]*\n?" x != null);
  string = separated "string" "";
  lines = separated "lines" "\n";
  commas = separated "commas" ",";
  envVar = separated "envVar" ":";
  separatedString = sep: separated "separatedString" sep;
  strMatching = pattern: checked "strMatching" "string matching the pattern ${pattern}"
    (x: isString x && match pattern x != null);
  path = checked "path" "path" (x: isStringLike x && substring 0 1 (toString x) == "/");
  package = checked "package" "package"
    (x: isDerivation x || (isStringLike x && substring 0 (stringLength builtins.storeDir + 1) (toString x) == builtins.storeDir + "/"));
  port = ints.u16;
  pkgs = simple "pkgs";
  shellPackage = package;
  optionSet = simple "optionSet";
  ints = {
    between = intBetween;
    unsigned = checked "unsignedInt" "unsigned integer, meaning >=0" (x: isInt x && x >= 0);
    positive = checked "positiveInt" "positive integer, meaning >0" (x: isInt x && x > 0);
    u8 = intBetween 0 255;
    u16 = intBetween 0 65535;
    u32 = intBetween 0 4294967295;
    s8 = intBetween (-128) 127;
    s16 = intBetween (-32768) 32767;
    s32 = intBetween (-2147483648) 2147483647;
  };
  numbers = {
    between = lo: hi: checked "numberBetween" "integer or floating point number between ${toString lo} and ${toString hi} (both inclusive)"
      (x: (isInt x || isFloat x) && x >= lo && x <= hi);
    nonnegative = checked "numberNonnegative" "integer or floating point number, meaning >=0" (x: (isInt x || isFloat x) && x >= 0);
    positive = checked "numberPositive" "integer or floating point number, meaning >0" (x: (isInt x || isFloat x) && x > 0);
  };

  listOf = elemOf "listOf" (d: "list of ${d}") (t: x: isList x && all t.check x);
  nonEmptyListOf = elemOf "listOf" (d: "non-empty list of ${d}") (t: x: isList x && x != [ ] && all t.check x);
  attrsOf = elemOf "attrsOf" (d: "attribute set of ${d}") (_: isAttrs);
  lazyAttrsOf = elemOf "lazyAttrsOf" (d: "lazy attribute set of ${d}") (_: isAttrs);
  loaOf = elemOf "attrsOf" (d: "attribute set of ${d}") (_: x: isAttrs x || isList x);
  nullOr = elemOf "nullOr" (d: "null or ${d}") (t: x: x == null || t.check x);
  uniq = elemOf "uniq" (d: d) (t: t.check);
  unique = _msg: uniq;
  functionTo = elemOf "functionTo" (d: "function that evaluates to a(n) ${d}") (_: isFunction);
  either = a: b: mkType "either" {
    nestedTypes = { left = a; right = b; };
    description = "${a.description} or ${b.description}";
    check = x: a.check x || b.check x;
  };
  oneOf = ts: mkType "oneOf" {
    nestedTypes.types = ts;
    description = concatStringsSep " or " (map (t: t.description) ts);
    check = x: any (t: t.check x) ts;
  };
  enum = values: mkType "enum" {
    functor = { name = "enum"; payload = values; };
    description = "one of ${concatStringsSep ", " (map toJSON values)}";
    check = x: elem x values;
  };
  # Values are not coerced (definitions keep their own type): both pass.
  coercedTo = from: _f: to: to // {
    description = "${to.description} or ${from.description} convertible to it";
    check = x: from.check x || to.check x;
  };
  addCheck = t: extra: t // { check = x: t.check x && extra x; };

  # `submodule { options = ...; }`: the static options are remembered so their
  # defaults can be applied; function-style submodules are treated as untyped.
  submodule = m: submoduleWith { modules = lib.lists.toList m; };
  submoduleWith = { modules ? [ ], ... }:
    mkType "submodule" {
      description = "submodule";
      check = isModule;
      subOptions = builtins.foldl' (acc: m:
        if builtins.isAttrs m && m ? options then lib.attrsets.recursiveUpdate acc m.options else acc)
        { } modules;
    };
  deferredModule = simple "deferredModule";

  isType = name: t: builtins.isAttrs t && (t.name or null) == name;
  mkOptionType = attrs: mkType (attrs.name or "custom") attrs;
}

# Option types: a permissive stub. No value is ever type-checked; a type only
# tells the merge code (lib/modules.nix) what to do with several definitions:
#   - name "lines"/"commas"/"envVar"/"separatedString": join strings,
#   - name "attrsOf": drop attributes whose definitions are all disabled,
#   - a `submodule` with static `options`: their defaults apply to each value.
# Everything else merges generically (lists concatenate, sets recurse, equal
# values are fine, different values conflict).
{ lib }:
let
  mkType = name: extra: {
    _type = "option-type";
    inherit name;
    description = name;
    check = _: true;
    functor = { inherit name; };
  } // extra;
  simple = name: mkType name { };
  elemOf = name: elemType: mkType name { inherit elemType; nestedTypes.elemType = elemType; };
  separated = name: sep: mkType name { separator = sep; };
in
rec {
  raw = simple "raw";
  anything = simple "anything";
  unspecified = simple "unspecified";
  attrs = simple "attrs";
  bool = simple "bool";
  int = simple "int";
  float = simple "float";
  number = simple "number";
  str = simple "str";
  nonEmptyStr = simple "nonEmptyStr";
  singleLineStr = simple "singleLineStr";
  string = separated "string" "";
  lines = separated "lines" "\n";
  commas = separated "commas" ",";
  envVar = separated "envVar" ":";
  separatedString = sep: separated "separatedString" sep;
  strMatching = _pattern: simple "strMatching";
  path = simple "path";
  package = simple "package";
  port = simple "port";
  pkgs = simple "pkgs";
  shellPackage = simple "shellPackage";
  optionSet = simple "optionSet";
  ints = {
    unsigned = simple "unsignedInt";
    positive = simple "positiveInt";
    between = _lo: _hi: simple "intBetween";
    u8 = simple "u8"; u16 = simple "u16"; u32 = simple "u32";
    s8 = simple "s8"; s16 = simple "s16"; s32 = simple "s32";
  };
  numbers = { between = _lo: _hi: simple "numberBetween"; nonnegative = simple "nonnegative"; positive = simple "positive"; };

  listOf = elemOf "listOf";
  nonEmptyListOf = elemOf "listOf";
  attrsOf = elemOf "attrsOf";
  lazyAttrsOf = elemOf "lazyAttrsOf";
  loaOf = elemOf "attrsOf";
  nullOr = elemOf "nullOr";
  uniq = elemOf "uniq";
  unique = _msg: elemOf "uniq";
  functionTo = elemOf "functionTo";
  either = a: b: mkType "either" { nestedTypes = { left = a; right = b; }; };
  oneOf = ts: mkType "oneOf" { nestedTypes.types = ts; };
  enum = values: mkType "enum" { functor = { name = "enum"; payload = values; }; };
  coercedTo = _from: _f: to: to;
  addCheck = t: _check: t;

  # `submodule { options = ...; }`: the static options are remembered so their
  # defaults can be applied; function-style submodules are treated as untyped.
  submodule = m: submoduleWith { modules = lib.lists.toList m; };
  submoduleWith = { modules ? [ ], ... }:
    mkType "submodule" {
      subOptions = builtins.foldl' (acc: m:
        if builtins.isAttrs m && m ? options then lib.attrsets.recursiveUpdate acc m.options else acc)
        { } modules;
    };
  deferredModule = simple "deferredModule";

  isType = name: t: builtins.isAttrs t && (t.name or null) == name;
  mkOptionType = attrs: mkType (attrs.name or "custom") attrs;
}

# Small general-purpose functions (nixpkgs lib/trivial.nix and friends).
{ lib }:
{
  id = x: x;
  const = x: _: x;
  flip = f: a: b: f b a;
  pipe = builtins.foldl' (x: f: f x);
  fix = f: let x = f x; in x;
  # extends overlay base: like nixpkgs, `final` is the fixpoint, `prev` the base.
  extends = overlay: base: final: let prev = base final; in prev // overlay final prev;

  inherit (builtins)
    isString isList isAttrs isFunction isInt isBool isFloat isPath
    seq deepSeq trace tryEval toJSON fromJSON readFile pathExists
    typeOf toString abort throw;
  isDerivation = x: builtins.isAttrs x && (x.type or null) == "derivation";

  boolToString = b: if b then "true" else "false";
  mapNullable = f: x: if x == null then null else f x;
  defaultTo = default: x: if x == null then default else x;
  min = a: b: if a < b then a else b;
  max = a: b: if a > b then a else b;
  mod = a: b: a - (a / b) * b;

  warn = msg: builtins.trace "warning: ${msg}";
  warnIf = cond: msg: if cond then lib.warn msg else x: x;
  throwIf = cond: msg: if cond then throw msg else x: x;
  throwIfNot = cond: msg: if cond then x: x else throw msg;
  assertMsg = pred: msg: pred || throw msg;

  # Version of the stand-in, in nixpkgs' format, so `versionAtLeast lib.version
  # "22.05"` style checks in configurations take their modern branch.
  version = "23.05.standin";
  release = "23.05";
  codeName = "Standin";
  versionSuffix = ".standin";
  isInOldestRelease = _: true;
  inNixShell = false;
}

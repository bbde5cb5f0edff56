# Attribute set functions (nixpkgs lib/attrsets.nix subset).
{ lib }:
let
  inherit (builtins) attrNames listToAttrs isAttrs foldl' length head tail;
in
rec {
  inherit (builtins)
    attrNames attrValues listToAttrs mapAttrs hasAttr getAttr removeAttrs
    intersectAttrs catAttrs zipAttrsWith functionArgs;

  nameValuePair = name: value: { inherit name value; };
  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
  mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
  mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
  attrsToList = mapAttrsToList nameValuePair;
  filterAttrs = pred: set:
    listToAttrs (builtins.concatMap (n: let v = set.${n}; in if pred n v then [ (nameValuePair n v) ] else [ ]) (attrNames set));
  concatMapAttrs = f: set: foldl' (a: b: a // b) { } (mapAttrsToList f set);
  optionalAttrs = cond: set: if cond then set else { };
  zipAttrs = zipAttrsWith (_: vs: vs);
  foldAttrs = op: nul: list:
    foldl' (acc: set: acc // builtins.mapAttrs (n: v: op v (acc.${n} or nul)) set) { } (lib.lists.reverseList list);

  attrByPath = path: default: set:
    if path == [ ] then set
    else if isAttrs set && set ? ${head path} then attrByPath (tail path) default set.${head path}
    else default;
  hasAttrByPath = path: set:
    path == [ ] || (isAttrs set && set ? ${head path} && hasAttrByPath (tail path) set.${head path});
  getAttrFromPath = path: set:
    attrByPath path (throw "cannot find attribute `${builtins.concatStringsSep "." path}'") set;
  setAttrByPath = path: value:
    if path == [ ] then value else { ${head path} = setAttrByPath (tail path) value; };

  # Like nixpkgs: recurse while both sides are (non-derivation) sets, else the
  # right-hand side wins.
  recursiveUpdateUntil = pred: lhs: rhs:
    let
      go = path: l: r:
        builtins.zipAttrsWith
          (n: vs:
            let p = path ++ [ n ]; in
            if length vs == 1 then head vs
            else if pred p (builtins.elemAt vs 1) (head vs) then builtins.elemAt vs 0
            else go p (builtins.elemAt vs 1) (head vs))
          [ r l ];
    in
    go [ ] lhs rhs;
  recursiveUpdate = recursiveUpdateUntil (path: l: r: !(isAttrs l && isAttrs r) || isDerivation l || isDerivation r);

  mapAttrsRecursiveCond = cond: f: set:
    let
      recurse = path: builtins.mapAttrs (n: v:
        if isAttrs v && cond v then recurse (path ++ [ n ]) v else f (path ++ [ n ]) v);
    in
    recurse [ ] set;
  mapAttrsRecursive = mapAttrsRecursiveCond (_: true);

  isDerivation = x: isAttrs x && (x.type or null) == "derivation";
  recurseIntoAttrs = set: set // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = set: set // { recurseForDerivations = false; };
}

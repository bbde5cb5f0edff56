# List functions (nixpkgs lib/lists.nix subset).
{ lib }:
let
  inherit (builtins) length elemAt genList filter foldl' head tail;
in
rec {
  inherit (builtins)
    head tail length elem elemAt filter foldl' concatLists concatMap genList
    sort all any partition groupBy;
  map = builtins.map;

  singleton = x: [ x ];
  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];
  toList = x: if builtins.isList x then x else [ x ];
  last = xs: elemAt xs (length xs - 1);
  init = xs: genList (elemAt xs) (length xs - 1);
  take = n: xs: genList (elemAt xs) (lib.trivial.min n (length xs));
  drop = n: xs: sublist n (length xs) xs;
  sublist = start: count: xs:
    let
      len = length xs;
      n = if start >= len then 0 else lib.trivial.min count (len - start);
    in
    genList (i: elemAt xs (start + i)) n;
  foldr = op: nul: xs:
    let
      len = length xs;
      go = i: if i == len then nul else op (elemAt xs i) (go (i + 1));
    in
    go 0;
  foldl = foldl';
  fold = foldr;
  imap0 = f: xs: genList (i: f i (elemAt xs i)) (length xs);
  imap1 = f: xs: genList (i: f (i + 1) (elemAt xs i)) (length xs);
  imap = imap1;
  range = first: last: if first > last then [ ] else genList (i: first + i) (last - first + 1);
  replicate = n: x: genList (_: x) n;
  reverseList = xs: let n = length xs; in genList (i: elemAt xs (n - i - 1)) n;
  flatten = x: if builtins.isList x then builtins.concatMap flatten x else [ x ];
  unique = foldl' (acc: x: if builtins.elem x acc then acc else acc ++ [ x ]) [ ];
  remove = e: filter (x: x != e);
  count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;
  findFirst = pred: default: xs:
    let found = filter pred xs; in if found == [ ] then default else head found;
  findSingle = pred: default: multiple: xs:
    let found = filter pred xs; n = length found; in
    if n == 0 then default else if n == 1 then head found else multiple;
  intersperse = sep: xs:
    if xs == [ ] then [ ] else tail (builtins.concatMap (x: [ sep x ]) xs);
  zipListsWith = f: a: b:
    genList (i: f (elemAt a i) (elemAt b i)) (lib.trivial.min (length a) (length b));
  zipLists = zipListsWith (fst: snd: { inherit fst snd; });
  subtractLists = e: filter (x: !(builtins.elem x e));
  intersectLists = e: filter (x: builtins.elem x e);
  mutuallyExclusive = a: b: length a == 0 || !(builtins.any (x: builtins.elem x a) b);
  naturalSort = builtins.sort (a: b: builtins.compareVersions a b < 0);
}

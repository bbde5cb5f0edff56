# Option declarations (nixpkgs lib/options.nix subset).
#
# The stand-in's module system does not need declarations (unknown options are
# accepted), but it honours the parts of one that change the result:
# `default` (a definition at mkOptionDefault priority), `type` (for `lines`
# joining and attrsOf/submodule handling) and `apply`.
{ lib }:
{
  mkOption = attrs: attrs // { _type = "option"; };
  isOption = x: builtins.isAttrs x && (x._type or null) == "option";

  mkEnableOption = name: lib.options.mkOption {
    default = false;
    example = true;
    type = lib.types.bool;
    description = "Whether to enable ${name}.";
  };
  mkPackageOption = pkgs: name: { default ? [ name ], example ? null, ... }:
    let path = lib.lists.toList default; in
    lib.options.mkOption {
      type = lib.types.package;
      default = lib.attrsets.attrByPath path (throw "the stand-in has no package ${name}") pkgs;
      description = "The ${name} package to use.";
    };
  mkSinkUndeclaredOptions = _: lib.options.mkOption { };

  literalExpression = text: { _type = "literalExpression"; inherit text; };
  literalExample = text: { _type = "literalExpression"; inherit text; };
  literalMD = text: { _type = "literalMD"; inherit text; };
  literalDocBook = text: { _type = "literalDocBook"; inherit text; };

  showOption = path: builtins.concatStringsSep "." path;
}

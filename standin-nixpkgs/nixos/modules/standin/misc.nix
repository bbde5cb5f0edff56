# Small options the stand-in implements (or must know the type of).
{ lib, ... }:
let inherit (lib) mkOption types; in
{
  options = {
    boot.isContainer = mkOption { type = types.bool; default = false; };
    system.stateVersion = mkOption { type = types.str; default = lib.trivial.release; };
    system.extraSystemBuilderCmds = mkOption { type = types.lines; default = ""; };
    # name -> script text, or { text; deps; } (deps are ignored: names run in
    # alphabetical order at the end of activation).
    system.activationScripts = mkOption { type = types.attrsOf types.unspecified; default = { }; };
    assertions = mkOption { type = types.listOf types.unspecified; default = [ ]; };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };
  };
}

# `import <nixpkgs/nixos> { configuration = ...; }`, as in nixpkgs.
{ configuration ? <nixos-config>
, system ? builtins.currentSystem
}:
let
  eval = import ./lib/eval-config.nix { inherit system; modules = [ configuration ]; };
in
{
  inherit (eval) config options pkgs;
  system = eval.config.system.build.toplevel;
}

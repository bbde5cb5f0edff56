# `import <nixpkgs> {}` for the nixlxc stand-in: a small package set built
# from Nix builtins and the host's static busybox (see README.md).
{ system ? builtins.currentSystem
, config ? { }
, overlays ? [ ]
, ...
}:
import ./pkgs { inherit system config overlays; }

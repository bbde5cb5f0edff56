# The stand-in package set, as a fixpoint so overlays work like in nixpkgs
# (final: prev: { ... }).
{ lib ? import ../lib
, system ? builtins.currentSystem
, config ? { }
, overlays ? [ ]
}:
let
  base = final:
    let
      busybox = import ./busybox.nix { inherit system; };
      builders = import ./trivial-builders.nix { inherit lib system busybox; };
      tools = import ./tools.nix { inherit lib busybox; inherit (builders) runCommand writeTextFile; };
    in
    builders // tools // {
      inherit lib system config busybox;
      # Debian's systemd relocated into the store (built only when used).
      systemd = import ./systemd.nix { inherit lib system busybox; };
      pkgs = final;
      path = ./..;

      stdenv = import ./stdenv.nix { inherit lib system busybox; inherit (builders) runCommand; };
      stdenvNoCC = final.stdenv;
      hostPlatform = final.stdenv.hostPlatform;
      buildPlatform = final.stdenv.hostPlatform;
      targetPlatform = final.stdenv.hostPlatform;

      runtimeShell = "${busybox}/bin/sh";
      runtimeShellPackage = busybox;

      # callPackage: arguments come from the package set, overrides win.
      callPackage = fn: overrides:
        let f = if builtins.isFunction fn then fn else import fn; in
        f (builtins.intersectAttrs (builtins.functionArgs f) final // overrides);
    };
in
lib.fix (lib.foldl' (acc: overlay: lib.extends overlay acc) base overlays)

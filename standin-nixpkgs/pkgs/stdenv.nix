# A minimal stdenv.mkDerivation: the phases run in busybox sh. Enough for
# small in-configuration packages (buildCommand, installPhase, src dirs).
{ lib, system, busybox, runCommand }:
let
  hostPlatform = {
    inherit system;
    config = system;
    isLinux = true;
    isDarwin = false;
    isx86_64 = system == "x86_64-linux";
    isAarch64 = system == "aarch64-linux";
  };

  phase = attrs: name: default:
    lib.concatStringsSep "\n" [
      (attrs."pre${name}" or "")
      (attrs."${lib.toLower (builtins.substring 0 1 name)}${builtins.substring 1 100 name}Phase" or default)
      (attrs."post${name}" or "")
    ];

  defaultUnpack = ''
    if [ -n "''${src:-}" ]; then
      if [ -d "$src" ]; then
        cp -r "$src" source && chmod -R u+w source && cd source
      else
        mkdir source && tar -xf "$src" -C source && cd source
        [ "$(ls | wc -l)" = 1 ] && [ -d "$(ls)" ] && cd "$(ls)"
      fi
    fi
  '';

  mkDerivation = attrs:
    let
      name = attrs.name or "${attrs.pname}-${attrs.version}";
      script = attrs.buildCommand or (lib.concatStringsSep "\n" [
        "mkdir -p $TMPDIR/build && cd $TMPDIR/build"
        (lib.optionalString (!(attrs.dontUnpack or false)) (phase attrs "Unpack" defaultUnpack))
        (phase attrs "Configure" "")
        (lib.optionalString (!(attrs.dontBuild or false)) (phase attrs "Build" ""))
        (lib.optionalString (attrs.doCheck or false) (phase attrs "Check" ""))
        (phase attrs "Install" "")
        (phase attrs "Fixup" "")
      ]);
      env = removeAttrs attrs [ "name" "buildCommand" ];
    in
    runCommand name env script // {
      pname = attrs.pname or (builtins.parseDrvName name).name;
      version = attrs.version or (builtins.parseDrvName name).version;
    };
in
{
  inherit mkDerivation hostPlatform;
  buildPlatform = hostPlatform;
  targetPlatform = hostPlatform;
  isLinux = true;
  isDarwin = false;
  shell = "${busybox}/bin/sh";
  cc = null;
  lib = lib; # old alias (stdenv.lib)
}

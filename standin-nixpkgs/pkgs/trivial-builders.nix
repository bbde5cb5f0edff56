# nixpkgs' trivial builders, with busybox sh as the only build tool.
{ lib, system, busybox }:
let
  inherit (lib) escapeShellArg;

  # Attributes a derivation cannot take as environment variables.
  envOf = attrs: lib.filterAttrs
    (_: v: !(builtins.isFunction v) && !(builtins.isAttrs v && !(v ? outPath)))
    (removeAttrs attrs [ "passthru" "meta" ]);
in
rec {
  # runCommand name env buildCommand: buildCommand runs under `sh -e` with
  # $out set, PATH = nativeBuildInputs/buildInputs bins + busybox.
  runCommand = name: env: buildCommand:
    let
      inputs = (env.nativeBuildInputs or [ ]) ++ (env.buildInputs or [ ]);
      drv = derivation (envOf env // {
        inherit name system buildCommand;
        builder = "${busybox}/bin/busybox";
        args = [ "sh" "-e" "-c" ". \"$buildCommandPath\"" ];
        PATH = lib.makeBinPath (inputs ++ [ busybox ]);
        passAsFile = [ "buildCommand" ] ++ (env.passAsFile or [ ]);
      });
    in
    drv // (env.passthru or { }) // { meta = env.meta or { }; };
  runCommandLocal = runCommand;
  runCommandNoCC = runCommand;
  runCommandCC = runCommand;

  writeTextFile =
    { name, text, executable ? false, destination ? "", checkPhase ? "", meta ? { }, ... }:
    runCommand name
      {
        inherit text meta;
        executable = if executable then "1" else "";
        destination = destination;
        passAsFile = [ "text" ];
      } ''
      target="$out$destination"
      mkdir -p "$(dirname "$target")"
      cp "$textPath" "$target"
      if [ -n "$executable" ]; then chmod +x "$target"; fi
      ${checkPhase}
    '';

  writeText = name: text: writeTextFile { inherit name text; };
  writeTextDir = path: text: writeTextFile { name = baseNameOf path; destination = "/${path}"; inherit text; };
  writeScript = name: text: writeTextFile { inherit name text; executable = true; };
  writeScriptBin = name: text: writeTextFile { inherit name text; executable = true; destination = "/bin/${name}"; };
  writeShellScript = name: text: writeScript name "#!${busybox}/bin/sh\n${text}";
  writeShellScriptBin = name: text: writeScriptBin name "#!${busybox}/bin/sh\n${text}";
  writeShellApplication = { name, text, runtimeInputs ? [ ], ... }:
    writeShellScriptBin name ''
      set -o errexit -o nounset -o pipefail
      ${lib.optionalString (runtimeInputs != [ ]) "export PATH=${escapeShellArg (lib.makeBinPath runtimeInputs)}:\"$PATH\""}
      ${text}
    '';

  # symlinkJoin / buildEnv: one tree of symlinks to the files of all paths.
  # Directories are merged; on a name clash the EARLIER path wins.
  symlinkJoin = { name, paths, postBuild ? "", ... }@args:
    runCommand name
      (removeAttrs args [ "name" "paths" "postBuild" ] // { paths = map toString paths; }) ''
      mkdir -p $out
      for p in $paths; do
        [ -d "$p" ] || continue
        ( cd "$p" && find . -mindepth 1 ) | while IFS= read -r f; do
          f=''${f#./}
          if [ -d "$p/$f" ] && [ ! -L "$p/$f" ]; then
            [ -L "$out/$f" ] || mkdir -p "$out/$f"
          elif [ ! -e "$out/$f" ] && [ ! -L "$out/$f" ]; then
            ln -s "$p/$f" "$out/$f"
          fi
        done
      done
      ${postBuild}
    '';
  buildEnv = { name, paths, postBuild ? "", ... }: symlinkJoin { inherit name paths postBuild; };

  # linkFarm name [ { name; path; } ] (or an attrset name -> path).
  linkFarm = name: entries:
    let list = if builtins.isList entries then entries else lib.mapAttrsToList lib.nameValuePair entries; in
    runCommand name { } ''
      mkdir -p $out
      ${lib.concatMapStrings (e: ''
        mkdir -p "$(dirname $out/${escapeShellArg e.name})"
        ln -s ${escapeShellArg "${e.path or e.value}"} $out/${escapeShellArg e.name}
      '') list}
    '';
}

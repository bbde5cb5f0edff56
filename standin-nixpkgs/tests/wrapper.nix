# A copy of nixlxc's wrapper (the way nixlxc evaluates a container's
# configuration), so the tests use the stand-in exactly as nixlxc does.
{ configFile, name, ip, settingsJSON ? "{}" }:
let
  raw = import (/. + configFile);
  configuration = if builtins.isAttrs raw && raw ? configuration then raw.configuration else raw;
  containerModule = { lib, ... }: {
    boot.isContainer = true;
    networking.hostName = lib.mkDefault name;
    networking.useDHCP = false;
    system.extraSystemBuilderCmds = "cp ${builtins.toFile "nixlxc.json" settingsJSON} $out/nixlxc.json";
    imports = lib.optional (!(lib.nixlxcStandin or false)) ({ ... }: {
      systemd.services.nixlxc-ready.wantedBy = [ "multi-user.target" ];
    });
  };
  eval = import <nixpkgs/nixos/lib/eval-config.nix> {
    system = builtins.currentSystem;
    modules = [ containerModule configuration ];
    specialArgs = { inherit ip name; };
  };
in
eval.config.system.build.toplevel

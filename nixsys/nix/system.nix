# Builds a container's system: the user's configuration plus nixlxc's
# container module, evaluated by <nixpkgs/nixos/lib/eval-config.nix> — a real
# nixpkgs, or the stand-in that ships with nixlxc.
{ configFile
, name
, ip
, settingsJSON ? "{}"
, nameserversJSON ? "[]"
, stateVersion ? ""
}:
let
  raw = import (/. + configFile);
  configuration = if builtins.isAttrs raw && raw ? configuration then raw.configuration else raw;
  containerModule = import ./container.nix {
    inherit name settingsJSON stateVersion;
    nameservers = builtins.fromJSON nameserversJSON;
  };
  eval = import <nixpkgs/nixos/lib/eval-config.nix> {
    system = builtins.currentSystem;
    modules = [ containerModule configuration ];
    # As nixcloud-container did: every module may take `ip` and `name`.
    specialArgs = { inherit ip name; };
  };
in
eval.config.system.build.toplevel

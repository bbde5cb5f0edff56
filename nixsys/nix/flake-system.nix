# Builds a container's system from a flake: its NixOS configuration
# nixosConfigurations.<attr> (what nixpkgs.lib.nixosSystem returns) extended
# with nixlxc's container module, as system.nix extends a config file's.
# `ip` and `name` reach its modules as they reach a config file's.
{ flake
, attr
, name
, ip
, settingsJSON ? "{}"
, nameserversJSON ? "[]"
, stateVersion ? ""
}:
let
  f = builtins.getFlake flake;
  base = f.nixosConfigurations.${attr};
  containerModule = import ./container.nix {
    inherit name settingsJSON stateVersion;
    nameservers = builtins.fromJSON nameserversJSON;
  };
  eval =
    if base ? extendModules then
      base.extendModules { modules = [ containerModule ]; specialArgs = { inherit ip name; }; }
    else
      throw "nixosConfigurations.${attr} of the flake ${flake} is no NixOS configuration (nixpkgs.lib.nixosSystem's result has extendModules)";
in
eval.config.system.build.toplevel

# Reads the settings of a container built from a flake: the flake's
# `nixlxc.<attr>` output, with the keys of nixcloud-container's attribute
# set (network, autostart, ...) and no `configuration` (the configuration
# is nixosConfigurations.<attr>). It checks that configuration exists
# without evaluating it. nixlxc checks the values; this only gathers them.
{ flake, attr }:
let
  f = builtins.getFlake flake;
  configs = f.nixosConfigurations or { };
  raw = (f.nixlxc or { }).${attr} or { };
  settingNames = [ "autostart" "bindMounts" "limits" "lxcExtraConfig" "network" ];
  get = n: raw.${n} or null;
in
if !(configs ? ${attr}) then
  throw "the flake ${flake} has no nixosConfigurations.${attr}"
else if !(builtins.isAttrs raw) then
  throw "nixlxc.${attr} of the flake ${flake} is not an attribute set"
else {
  form = "flake";
  unknown = builtins.filter (n: !(builtins.elem n settingNames)) (builtins.attrNames raw);
  misplaced = [ ];
  name = null;
  autostart = get "autostart";
  network = get "network";
  lxcExtraConfig = get "lxcExtraConfig";
  limits = get "limits";
  bindMounts = get "bindMounts";
}

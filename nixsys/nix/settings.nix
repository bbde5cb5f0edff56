# Reads the settings around a container's NixOS configuration, in
# nixcloud-container's file format, without evaluating the configuration
# itself. nixlxc checks the values; this only gathers them.
{ configFile }:
let
  raw = import (/. + configFile);
  # The attribute-set form has `configuration`; anything else (a module
  # function or a module attribute set) is the configuration itself.
  isSet = builtins.isAttrs raw && raw ? configuration;
  known = [ "autostart" "bindMounts" "configuration" "ephemeral" "forwardPorts" "limits" "lxcExtraConfig" "macvlans" "name" "network" ];
  settingNames = [ "autostart" "bindMounts" "ephemeral" "forwardPorts" "limits" "lxcExtraConfig" "macvlans" "network" ];
  get = n: if isSet && raw ? ${n} then raw.${n} else null;
in
{
  form = if isSet then "attrset" else "module";
  unknown = if isSet then builtins.filter (n: !(builtins.elem n known)) (builtins.attrNames raw) else [ ];
  # Settings written beside module options without `configuration` would
  # silently become unknown NixOS options; nixlxc refuses them instead.
  misplaced =
    if builtins.isAttrs raw && !isSet
    then builtins.filter (n: builtins.elem n settingNames) (builtins.attrNames raw)
    else [ ];
  name = get "name";
  autostart = get "autostart";
  network = get "network";
  lxcExtraConfig = get "lxcExtraConfig";
  limits = get "limits";
  bindMounts = get "bindMounts";
  forwardPorts = get "forwardPorts";
  ephemeral = get "ephemeral";
  macvlans = get "macvlans";
}

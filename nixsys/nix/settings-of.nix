# The settings of a container file's value (its attribute-set form, or a
# module), gathered for nixlxc to check; see settings.nix.
raw:
let
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

# A declaration file of nixlxc apply: a set of containers with
# nixos-container's option names, in Nix or (FILE.json) JSON, turned into
# one container file each (nixcloud's attribute-set form), which create and
# update read like any other. See spec/declaration.go.
{ file }:
let
  inherit (builtins) attrNames elem filter hasAttr isAttrs isPath isString listToAttrs substring;
  isJSON = builtins.match ".*\\.json" file != null;
  # A file in the store (the NixOS module's) reads as a string that refers
  # to the store, which fromJSON refuses: its paths are plain strings here.
  raw = if isJSON then builtins.fromJSON (builtins.unsafeDiscardStringContext (builtins.readFile (/. + file))) else import (/. + file);
  dir = dirOf file;

  # The declaration's options and the settings they are in a container file.
  settingOf = {
    autoStart = "autostart";
    bindMounts = "bindMounts";
    ephemeral = "ephemeral";
    extraConfig = "lxcExtraConfig";
    forwardPorts = "forwardPorts";
    limits = "limits";
    macvlans = "macvlans";
    network = "network";
  };
  applyOnly = [ "config" "restartIfChanged" "timeoutStartSec" ];

  # config: a container file (a path; in JSON a string, relative to the
  # declaration's directory), or a module written in place.
  configOf = c:
    let
      path =
        if isString c && substring 0 1 c == "/" then /. + c
        else if isString c then /. + (dir + "/" + c)
        else c;
    in
    if isPath path then import path else path;

  # The directory of a config file (null for a module written in place),
  # read without reading the file: the directory its build may read.
  configDirOf = c:
    if isString c && substring 0 1 c == "/" then dirOf c
    else if isString c then dirOf (dir + "/" + c)
    else if isPath c then dirOf (toString c)
    else null;

  declare = d:
    let
      cfg = configOf (d.config or { });
      fileForm = isAttrs cfg && cfg ? configuration;
      base = if fileForm then cfg else { configuration = cfg; };
      given = filter (n: hasAttr n settingOf) (attrNames d);
    in
    {
      container = base // listToAttrs (map (n: { name = settingOf.${n}; value = d.${n}; }) given);
      declUnknown = filter (n: !(hasAttr n settingOf) && !(elem n applyOnly)) (attrNames d);
      both = filter (n: fileForm && hasAttr settingOf.${n} cfg) given;
      noConfig = !(d ? config);
      notASet = false;
      configDir = configDirOf (d.config or null);
      restartIfChanged = d.restartIfChanged or null;
      timeoutStartSec = d.timeoutStartSec or null;
    };

  notASet = {
    container = { configuration = { }; };
    declUnknown = [ ];
    both = [ ];
    noConfig = false;
    notASet = true;
    configDir = null;
    restartIfChanged = null;
    timeoutStartSec = null;
  };
in
if !isAttrs raw
then throw "${file}: a declaration is an attribute set of containers, { NAME = { config = ...; ... }; }"
else builtins.mapAttrs (name: d: if isAttrs d && !(d ? outPath) then declare d else notASet) raw

# Host name, /etc/hosts and /etc/resolv.conf. Interfaces and addresses are
# nixlxc's business (LXC sets them up), so networking.interfaces etc. are
# accepted and ignored.
{ config, lib, ... }:
let
  inherit (lib) mkOption mkDefault types concatStringsSep mapAttrsToList;
  cfg = config.networking;
in
{
  options.networking = {
    hostName = mkOption { type = types.str; default = "nixos"; };
    nameservers = mkOption { type = types.listOf types.str; default = [ ]; };
    search = mkOption { type = types.listOf types.str; default = [ ]; };
    hosts = mkOption { type = types.attrsOf (types.listOf types.str); default = { }; };
    extraHosts = mkOption { type = types.lines; default = ""; };
  };

  config.environment.etc = {
    hostname.text = mkDefault "${cfg.hostName}\n";
    hosts.text = mkDefault (concatStringsSep "\n" ([
      "127.0.0.1 localhost"
      "::1 localhost"
      "127.0.0.2 ${cfg.hostName}"
    ] ++ mapAttrsToList (ip: names: "${ip} ${concatStringsSep " " names}") cfg.hosts
      ++ lib.optional (cfg.extraHosts != "") cfg.extraHosts) + "\n");
    "resolv.conf" = lib.mkIf (cfg.nameservers != [ ]) {
      text = mkDefault (
        lib.optionalString (cfg.search != [ ]) "search ${concatStringsSep " " cfg.search}\n"
        + lib.concatMapStrings (ns: "nameserver ${ns}\n") cfg.nameservers);
    };
  };
}

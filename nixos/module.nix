# The host side of nixlxc for a NixOS host:
#
#   imports = [ /path/to/nixlxc/nixos/module.nix ];
#   services.nixlxc = { enable = true; internetInterface = "enp0s3"; };
#
# It installs nixlxc and LXC, gives root the subordinate ids containers map
# to, writes /etc/nixlxc/host.json and runs `nixlxc autostart` at boot and
# `nixlxc shutdown-all` at shutdown. Untested on a real NixOS host: it is
# parse-checked and evaluated against the stand-in nixpkgs only.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.nixlxc;
  inherit (lib) mkEnableOption mkIf mkOption types;

  hostJSON = builtins.toJSON ({
    hostonlyIsolated = cfg.hostonlyIsolated;
    ipv6 = {
      inherit (cfg.ipv6) enable ipv6InternetInterfaceAddress ipv6Prefix ipv6PrefixLength ipv6NameServers;
    };
  } // lib.optionalAttrs (cfg.internetInterface != null) {
    internetInterface = cfg.internetInterface;
  });
in
{
  options.services.nixlxc = {
    enable = mkEnableOption "nixlxc, unprivileged LXC containers with NixOS systems built by Nix";

    package = mkOption {
      type = types.package;
      default = pkgs.callPackage ./package.nix { };
      description = "The nixlxc package.";
    };

    internetInterface = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "enp0s3";
      description = "Where NATed container traffic leaves the host; null: the default route's interface.";
    };

    hostonlyIsolated = mkOption {
      type = types.bool;
      default = false;
      description = "Containers on brNC-hostonly reach the host but not each other.";
    };

    ipv6 = {
      enable = mkEnableOption "a routed IPv6 prefix for containers with network.enableNat";
      ipv6InternetInterfaceAddress = mkOption { type = types.str; default = ""; description = "The host's address on brNC-internet, in the prefix."; };
      ipv6Prefix = mkOption { type = types.str; default = ""; example = "2001:db8:1:1::"; description = "The routed prefix."; };
      ipv6PrefixLength = mkOption { type = types.int; default = 64; description = "Its length."; };
      ipv6NameServers = mkOption { type = types.listOf types.str; default = [ ]; description = "Name servers for NAT containers."; };
    };

    stateDir = mkOption {
      type = types.str;
      default = "/var/lib/nixlxc";
      description = "LXC path, rootfs, IPAM database and locks.";
    };

    subIdStart = mkOption { type = types.int; default = 100000; description = "First subordinate uid/gid for containers."; };
    subIdCount = mkOption { type = types.int; default = 65536000; description = "Subordinate ids for containers: 65536 each."; };
  };

  config = mkIf cfg.enable {
    environment.systemPackages = [ cfg.package pkgs.lxc ];
    environment.variables.NIXLXC_STATE_DIR = cfg.stateDir;
    environment.etc."nixlxc/host.json".text = hostJSON;

    users.users.root.subUidRanges = [ { startUid = cfg.subIdStart; count = cfg.subIdCount; } ];
    users.users.root.subGidRanges = [ { startGid = cfg.subIdStart; count = cfg.subIdCount; } ];

    systemd.services.nixlxc = {
      description = "nixlxc containers marked autostart";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" "nix-daemon.service" ];
      # liblxc maps ids with newuidmap/newgidmap (shadow), even for root.
      path = [ cfg.package pkgs.shadow config.nix.package ];
      environment.NIXLXC_STATE_DIR = cfg.stateDir;
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${cfg.package}/bin/nixlxc autostart";
        ExecStop = "${cfg.package}/bin/nixlxc shutdown-all --timeout 30s";
        TimeoutStartSec = "30min";
        TimeoutStopSec = "10min";
      };
    };
  };
}

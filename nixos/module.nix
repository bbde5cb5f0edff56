# The host side of nixlxc for a NixOS host:
#
#   imports = [ /path/to/nixlxc/nixos/module.nix ];
#   services.nixlxc = { enable = true; internetInterface = "enp0s3"; };
#
# It installs nixlxc and LXC, gives root the subordinate ids containers map
# to (above every range NixOS gives users), writes /etc/nixlxc/config.json
# (where the installation lives, for every nixlxc run on the host) and
# /etc/nixlxc/host.json (the network), trusts brNC-hostonly in the firewall,
# sets the host's network up again after NixOS reloads nftables, starts the
# autostart containers at boot and stops them when the host shuts down, and
# only then.
#
# Evaluated and type-checked against the stand-in nixpkgs only
# (tests/nixos_test.go): see README, "NixOS host".
{ config, lib, pkgs, ... }:

let
  cfg = config.services.nixlxc;
  inherit (lib) mkEnableOption mkIf mkOption mkDefault mkPackageOption types literalExpression;

  # nixlxc's bridges (bridges/hostconfig.go) and host veth prefixes.
  hostonlyBridge = "brNC-hostonly";
  internetBridge = "brNC-internet";
  hostInterfaces = [ "brNC-*" "nh-*" "nb-*" "ni-*" ];

  hostJSON = builtins.toJSON ({
    inherit (cfg) hostonlyIsolated;
    ipv6 = {
      inherit (cfg.ipv6) enable ipv6PrefixLength ipv6NameServers;
    } // lib.optionalAttrs (cfg.ipv6.ipv6Prefix != null) {
      inherit (cfg.ipv6) ipv6Prefix;
    } // lib.optionalAttrs (cfg.ipv6.ipv6InternetInterfaceAddress != null) {
      inherit (cfg.ipv6) ipv6InternetInterfaceAddress;
    };
  } // lib.optionalAttrs (cfg.internetInterface != null) {
    inherit (cfg) internetInterface;
  });

  configJSON = builtins.toJSON {
    stateDir = toString cfg.stateDir;
    profileDir = toString cfg.profileDir;
    hostConfig = "/etc/nixlxc/host.json";
  };

  nixlxc = lib.getExe cfg.package;

  # NixOS gives every user with autoSubUidGidRange (every normal user without
  # ranges of its own) 65536 ids at 100000 + N * 65536, N counting up from 0
  # (update-users-groups.pl), and keeps a removed user's slot taken.
  autoRangeStart = 100000;
  autoUsers = lib.filter (u: u.autoSubUidGidRange) (lib.attrValues config.users.users);
  autoRangeEnd = autoRangeStart + 65536 * lib.length autoUsers;
  rootEnd = cfg.subIdStart + cfg.subIdCount;
  overlaps = start: count: start < rootEnd && cfg.subIdStart < start + count;
  overlappingUsers = lib.attrNames (lib.filterAttrs (name: u: name != "root" &&
    (lib.any (r: overlaps r.startUid r.count) u.subUidRanges
      || lib.any (r: overlaps r.startGid r.count) u.subGidRanges))
    config.users.users);

  # A unit stop outside a shutdown (nixos-rebuild switch removing the unit,
  # systemctl stop) leaves the containers running; `systemctl` is on every
  # NixOS unit's PATH.
  stopAtShutdown = pkgs.writeShellScript "nixlxc-stop-at-shutdown" ''
    if [ "$(systemctl is-system-running)" = stopping ]; then
      exec ${nixlxc} shutdown-all --timeout ${toString cfg.shutdownTimeout}s
    fi
    echo "nixlxc: the host is not shutting down: containers keep running (nixlxc shutdown-all stops them)"
  '';
in
{
  options.services.nixlxc = {
    enable = mkEnableOption "nixlxc, unprivileged LXC containers with NixOS systems built by Nix";

    package = mkOption {
      type = types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = literalExpression "pkgs.callPackage ./package.nix { }";
      description = "The nixlxc package (nixlxc is not in nixpkgs: by default it is built from this repository).";
    };

    lxcPackage = mkPackageOption pkgs "lxc" { };

    stateDir = mkOption {
      type = types.path;
      default = "/var/lib/nixlxc";
      description = "The LXC path, the containers' root file systems, the address database and the locks (nixlxc's --state-dir).";
    };

    profileDir = mkOption {
      type = types.path;
      default = "/nix/var/nix/profiles/per-container";
      description = "The containers' Nix profiles, one directory each (nixlxc's --profile-dir; nixos-container's layout).";
    };

    internetInterface = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "enp0s3";
      description = "Where NATed IPv4 traffic of containers with `network.enableNat` leaves the host. `null`: the interface of the default IPv4 route.";
    };

    hostonlyIsolated = mkOption {
      type = types.bool;
      default = false;
      description = "Whether containers on ${hostonlyBridge} reach only the host, not each other.";
    };

    ipv6 = {
      enable = mkEnableOption "addresses from a routed IPv6 prefix for containers with `network.enableNat` (the upstream must route the prefix to this host)";

      ipv6Prefix = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "2001:db8:1:1::";
        description = "The routed prefix, without its length. Required with `ipv6.enable`.";
      };

      ipv6PrefixLength = mkOption {
        type = types.ints.between 8 120;
        default = 64;
        description = "The prefix's length.";
      };

      ipv6InternetInterfaceAddress = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "2001:db8:1:1::1";
        description = "The host's address on ${internetBridge}, inside the prefix: the containers' IPv6 gateway. Required with `ipv6.enable`.";
      };

      ipv6NameServers = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "2001:4860:4860::8888" ];
        description = "Name servers written to the `/etc/resolv.conf` of containers with `network.enableNat`.";
      };
    };

    subIdStart = mkOption {
      type = types.ints.between 1 4294967294;
      # 0x70000000: above the ranges NixOS gives normal users (100000 + N * 65536),
      # systemd-nspawn's --private-users=pick (524288-1879048191, which
      # nixos-containers' privateUsers = "pick" takes) and incus' default
      # (1000000-1000999999); below systemd's foreign range and 2^31.
      default = 1879048192;
      description = "The first of root's subordinate uids and gids that containers map their root to, 65536 each.";
    };

    subIdCount = mkOption {
      type = types.ints.positive;
      default = 65536000;
      description = "How many subordinate ids root gets for containers: 65536 per container (the default is enough for 1000).";
    };

    shutdownTimeout = mkOption {
      type = types.ints.positive;
      default = 30;
      description = "Seconds each container gets to stop cleanly when the host shuts down, before it is killed.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.ipv6.enable -> cfg.ipv6.ipv6Prefix != null && cfg.ipv6.ipv6InternetInterfaceAddress != null;
        message = "services.nixlxc.ipv6.enable needs services.nixlxc.ipv6.ipv6Prefix and services.nixlxc.ipv6.ipv6InternetInterfaceAddress.";
      }
      {
        assertion = cfg.subIdCount >= 65536;
        message = "services.nixlxc.subIdCount is ${toString cfg.subIdCount}: each container needs 65536 ids.";
      }
      {
        assertion = rootEnd - 1 <= 4294967294;
        message = "services.nixlxc.subIdStart + subIdCount goes past the last uid (4294967294).";
      }
      {
        assertion = !(overlaps autoRangeStart (autoRangeEnd - autoRangeStart));
        message = "services.nixlxc.subIdStart = ${toString cfg.subIdStart}: root's ids for containers overlap the subordinate ids NixOS gives the ${toString (lib.length autoUsers)} users with autoSubUidGidRange (${toString autoRangeStart}-${toString (autoRangeEnd - 1)}); those users could reach containers' files. Start at ${toString autoRangeEnd} or above.";
      }
      {
        assertion = overlappingUsers == [ ];
        message = "services.nixlxc: root's ids for containers (${toString cfg.subIdStart}-${toString (rootEnd - 1)}) overlap the subUidRanges or subGidRanges of ${lib.concatStringsSep ", " overlappingUsers}; those users could reach containers' files.";
      }
    ];

    # nixpkgs' LXC setup: the package, /etc/lxc and, with AppArmor, its profiles.
    virtualisation.lxc.enable = mkDefault true;
    environment.systemPackages = [ cfg.package cfg.lxcPackage ];

    # Read by every nixlxc run on the host, also under sudo and in services,
    # where NIXLXC_* variables do not reach.
    environment.etc."nixlxc/config.json".text = configJSON;
    environment.etc."nixlxc/host.json".text = hostJSON;

    users.users.root.subUidRanges = [ { startUid = cfg.subIdStart; count = cfg.subIdCount; } ];
    users.users.root.subGidRanges = [ { startGid = cfg.subIdStart; count = cfg.subIdCount; } ];

    # Containers reach the host on brNC-hostonly (README, "Networking");
    # brNC-internet only routes through it, which the firewall does not filter.
    networking.firewall.trustedInterfaces = [ hostonlyBridge ];
    # nixlxc addresses its bridges and veths itself.
    networking.dhcpcd.denyInterfaces = hostInterfaces;
    networking.networkmanager.unmanaged = map (i: "interface-name:${i}") hostInterfaces;

    systemd.services.nixlxc = {
      description = "nixlxc containers marked autostart";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" "nixlxc-network.service" ];
      # nixos-rebuild switch must not stop or restart the containers.
      restartIfChanged = false;
      # liblxc maps ids with newuidmap/newgidmap (shadow), even for root.
      path = [ cfg.package cfg.lxcPackage pkgs.shadow ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${nixlxc} autostart";
        ExecStop = "${stopAtShutdown}";
        # As LXC's own lxc.service: the containers' cgroups are theirs.
        Delegate = true;
        TimeoutStartSec = "30min";
        TimeoutStopSec = "10min";
      };
    };

    # networking.nftables with flushRuleset (the default for stateVersion
    # before 23.11 or with networking.nftables.ruleset) deletes nixlxc's
    # tables on every reload and restart of nftables.service: set them again
    # right after. (A container start also notices missing tables.)
    systemd.services.nixlxc-network = {
      description = "nixlxc's bridges and nftables tables";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" "nftables.service" "firewall.service" ];
      partOf = [ "nftables.service" ];
      unitConfig.ReloadPropagatedFrom = [ "nftables.service" ];
      path = [ cfg.package ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${nixlxc} host setup";
        ExecReload = "${nixlxc} host setup";
      };
    };
  };
}

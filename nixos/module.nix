# The host side of nixlxc for a NixOS host:
#
#   imports = [ /path/to/nixlxc/nixos/module.nix ];
#   services.nixlxc = { enable = true; internetInterface = "enp0s3"; };
#
# It installs nixlxc and LXC, gives root the subordinate ids containers map
# to (above every range NixOS gives users), writes /etc/nixlxc/config.json
# (where the installation lives, for every nixlxc run on the host) and
# /etc/nixlxc/host.json (the network, whom to trust with host paths, and
# which host directories containers may bind),
# trusts brNC-hostonly in the firewall if asked,
# sets the host's network up again after NixOS reloads nftables, starts the
# autostart containers at boot and stops them when the host shuts down, and
# only then. services.nixlxc.containers declares containers (with
# nixos-container's option names): every switch runs `nixlxc apply` with
# the declaration it writes, and each gets a unit nixlxc@NAME.service.
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

  # The host paths of the containers declared here are the admin's choice
  # too (written in this configuration, as root): allowed as they are, so
  # nixos-container's bindMounts keep working unchanged.
  declaredSources = lib.concatMap
    (c: lib.mapAttrsToList (name: b: if b.hostPath != null then b.hostPath else if b.mountPoint != null then b.mountPoint else name) c.bindMounts)
    (lib.attrValues cfg.containers);

  hostJSON = builtins.toJSON ({
    inherit (cfg) hostonlyIsolated trustedOwners allowPrivilegedForwards;
    bindMountSources = lib.unique (cfg.bindMountSources ++ declaredSources);
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

  # A declared container as nixlxc apply reads it (spec/declaration.go):
  # the config file's path, and only the settings given, so that a
  # nixcloud-style config file may carry settings of its own.
  nonNull = lib.filterAttrs (_: v: v != null);
  declared = name: c:
    let
      cfgPath =
        if builtins.isPath c.config || lib.hasPrefix "/" c.config then toString c.config
        else "${pkgs.writeText "nixlxc-${name}.nix" c.config}";
      limits = nonNull { inherit (c.limits) memory cpus pids; };
      network = nonNull { inherit (c.network) ip bridge enableNat; };
    in
    { config = cfgPath; inherit (c) restartIfChanged timeoutStartSec; }
    // lib.optionalAttrs c.autoStart { autoStart = true; }
    // lib.optionalAttrs c.ephemeral { ephemeral = true; }
    // lib.optionalAttrs (c.bindMounts != { }) {
      bindMounts = lib.mapAttrs (_: b: nonNull { mountPoint = b.mountPoint or null; hostPath = b.hostPath or null; isReadOnly = b.isReadOnly or true; }) c.bindMounts;
    }
    // lib.optionalAttrs (c.forwardPorts != [ ]) {
      forwardPorts = map (f: nonNull { protocol = f.protocol or "tcp"; hostPort = f.hostPort; containerPort = f.containerPort or null; hostAddress = f.hostAddress or null; }) c.forwardPorts;
    }
    // lib.optionalAttrs (c.macvlans != [ ]) { inherit (c) macvlans; }
    // lib.optionalAttrs (c.extraConfig != "") { inherit (c) extraConfig; }
    // lib.optionalAttrs (limits != { }) { inherit limits; }
    // lib.optionalAttrs (network != { }) { inherit network; };
  containersFile = pkgs.writeText "nixlxc-containers.json" (builtins.toJSON (lib.mapAttrs declared cfg.containers));

  # nixlxc start's --timeout from timeoutStartSec, in whole seconds,
  # minutes and hours ("1min 30s"); anything else is left to the unit's own
  # TimeoutStartSec, which bounds the start.
  goDuration = span:
    let
      tokens = builtins.filter (t: builtins.isString t && t != "") (builtins.split " +" span);
      seconds = t:
        let
          m = builtins.match "([0-9]+)(|s|sec|seconds?|m|min|minutes?|h|hr|hours?)" t;
          unit = builtins.elemAt m 1;
          mult = if builtins.elem unit [ "m" "min" "minute" "minutes" ] then 60
            else if builtins.elem unit [ "h" "hr" "hour" "hours" ] then 3600 else 1;
        in
        if m == null then null else lib.toInt (builtins.head m) * mult;
      parts = map seconds tokens;
    in
    if tokens == [ ] || builtins.elem null parts then "24h"
    else "${toString (builtins.foldl' (a: b: a + b) 0 parts)}s";

  containerOptions = {
    options = {
      config = mkOption {
        type = types.either types.path types.str;
        example = literalExpression "./web.nix";
        description = ''
          The container's configuration: a container file (a NixOS module, or
          nixcloud's attribute set with settings around `configuration`), by
          path, or its Nix code as a string. nixlxc builds it on its own, with
          the container's address, so it cannot be a module value of the
          host's configuration as nixos-container's is.
        '';
      };
      autoStart = mkOption {
        type = types.bool;
        default = false;
        description = "Whether the container starts at boot (and now, when it is stopped).";
      };
      bindMounts = mkOption {
        type = types.attrsOf (types.submodule {
          options = {
            mountPoint = mkOption { type = types.nullOr types.str; default = null; description = "Where inside (default: the attribute's name)."; };
            hostPath = mkOption { type = types.nullOr types.str; default = null; description = "The host's path (default: the mount point)."; };
            isReadOnly = mkOption { type = types.bool; default = true; description = "Whether it is read-only inside."; };
          };
        });
        default = { };
        example = literalExpression ''{ "/srv/www" = { hostPath = "/srv/web"; }; }'';
        description = "Host paths shown inside, as nixos-container's (id-mapped, read-only by default).";
      };
      forwardPorts = mkOption {
        type = types.listOf (types.submodule {
          options = {
            protocol = mkOption { type = types.enum [ "tcp" "udp" ]; default = "tcp"; description = "tcp or udp."; };
            hostPort = mkOption { type = types.port; description = "The host's port."; };
            containerPort = mkOption { type = types.nullOr types.port; default = null; description = "The container's port (default: hostPort)."; };
            hostAddress = mkOption { type = types.nullOr types.str; default = null; description = "One of the host's addresses to forward on only (default: all, IPv4 and IPv6)."; };
          };
        });
        default = [ ];
        example = [ { hostPort = 8080; containerPort = 80; } ];
        description = "Host ports forwarded to the container, from outside the host and from the host itself.";
      };
      ephemeral = mkOption {
        type = types.bool;
        default = false;
        description = "Whether the root file system lives in memory: empty at every start, gone at stop (its generations stay).";
      };
      macvlans = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "eth1" ];
        description = "Host interfaces the container gets a macvlan on (mv-NAME inside), past nixlxc's bridges and firewall.";
      };
      extraConfig = mkOption {
        type = types.lines;
        default = "";
        description = "Extra LXC config lines, of the keys nixlxc allows (its lxcExtraConfig).";
      };
      limits = {
        memory = mkOption { type = types.nullOr types.str; default = null; example = "512M"; description = "Memory limit."; };
        cpus = mkOption { type = types.nullOr types.number; default = null; example = 1.5; description = "CPU time, in CPUs."; };
        pids = mkOption { type = types.nullOr types.ints.positive; default = null; description = "Process limit."; };
      };
      # nixlxc's network settings (unset: a hostonly address); null is
      # "not given", so a config file may give them instead.
      network = {
        ip = mkOption { type = types.nullOr types.str; default = null; description = "A static hostonly address."; };
        bridge = mkOption { type = types.nullOr types.str; default = null; description = "A bridge of yours instead of brNC-hostonly (needs ip)."; };
        enableNat = mkOption { type = types.nullOr types.bool; default = null; description = "An internet interface with NAT and IPv6."; };
      };
      timeoutStartSec = mkOption {
        type = types.str;
        default = "1min";
        description = "How long the container may take to boot (a systemd time span).";
      };
      restartIfChanged = mkOption {
        type = types.bool;
        default = true;
        description = "Whether a running container restarts when a change needs it (network, limits, mounts); other changes apply in place.";
      };
    };
  };

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

    trustHostonly = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether the host's firewall trusts ${hostonlyBridge}, where containers reach the host
        (as on nixcloud-container's hosts): they then reach every service the host listens
        on there or on all addresses (an sshd, a database on 0.0.0.0). Set it to false when
        containers must not: they then reach only what the firewall opens to them,
        `networking.firewall.interfaces."${hostonlyBridge}".allowedTCPPorts` and the like.
        The host reaches its containers either way.
      '';
    };

    trustedOwners = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "alice" ];
      description = "Users (names or uids) trusted as root is with host paths: the directories and symlinks on the way to a container's `bindMounts` host path, and the state and profile directories, may be theirs. Each of them could point such a path at any host file: list only users who could become root anyway.";
    };

    allowPrivilegedForwards = mkOption {
      type = types.bool;
      default = false;
      description = "Whether containers' `forwardPorts` may take host ports below 1024 (ssh, DNS, mail: system services' ports). A port a host process listens on is refused either way.";
    };

    bindMountSources = mkOption {
      type = types.listOf (types.strMatching "/.*");
      default = [ ];
      example = [ "/srv/containers" "/mnt/media" ];
      description = ''
        Host directories containers' bind mounts (a config file's `bindMounts` and
        `lxc.mount.entry` bind lines) may take their host paths from, resolved; nothing
        by default. The host paths of `services.nixlxc.containers.*.bindMounts` are
        added to host.json's list on their own. Whatever is listed, a read-write bind
        mount never takes the host's system trees (`/etc`, `/root`, `/nix`, `/usr`...).
      '';
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

    containers = mkOption {
      type = types.attrsOf (types.submodule containerOptions);
      default = { };
      example = literalExpression ''{ web = { config = ./web.nix; autoStart = true; forwardPorts = [ { hostPort = 8080; containerPort = 80; } ]; }; }'';
      description = ''
        Declared containers: every switch runs `nixlxc apply` with them, which
        creates those missing, updates those that changed (in place when they
        run), and destroys those it made that are no longer declared.
        Containers made by hand are left alone.
      '';
    };
  };

  config = mkIf cfg.enable (lib.mkMerge [ {
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

    # Containers reach the host on brNC-hostonly (README, "Networking"),
    # unless the admin chooses the firewall to stand between them.
    # brNC-internet only routes through the host, which the firewall does
    # not filter.
    networking.firewall.trustedInterfaces = mkIf cfg.trustHostonly [ hostonlyBridge ];
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

    # The declared containers: apply runs whenever the declaration changes
    # (the unit's ExecStart names it), and at boot.
    environment.etc."nixlxc/containers.json".source = containersFile;
    systemd.services.nixlxc-apply = {
      description = "nixlxc's declared containers";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" "nixlxc-network.service" ];
      path = [ cfg.package cfg.lxcPackage pkgs.shadow ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${nixlxc} apply ${containersFile}";
        Delegate = true;
        TimeoutStartSec = "30min";
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
  }
  {
    # One unit per declared container: start waits for its system to boot,
    # stop is clean. A switch never restarts them: apply changes containers
    # in place, or restarts them itself where a change needs it.
    systemd.services = lib.mapAttrs' (name: c: lib.nameValuePair "nixlxc@${name}" {
      description = "nixlxc container ${name}";
      wantedBy = lib.optional c.autoStart "multi-user.target";
      requires = [ "nixlxc-apply.service" ];
      after = [ "nixlxc-apply.service" "nixlxc-network.service" ];
      restartIfChanged = false;
      path = [ cfg.package cfg.lxcPackage pkgs.shadow ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${nixlxc} start ${name} --timeout ${goDuration c.timeoutStartSec}";
        ExecStop = "${nixlxc} stop ${name} --timeout ${toString cfg.shutdownTimeout}s";
        TimeoutStartSec = c.timeoutStartSec;
        Delegate = true;
      };
    }) cfg.containers;
  } ]);
}

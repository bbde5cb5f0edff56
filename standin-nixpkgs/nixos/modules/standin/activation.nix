# The activation script, as NixOS builds it (nixpkgs'
# nixos/modules/system/activation/activation-script.nix): the snippets of
# system.activationScripts (strings, or { text; deps; supportsDryActivation; })
# in dependency order, then alphabetical; every failing command makes the
# script's status 1 (an ERR trap) without stopping it; at the end
# /run/current-system points at the system and the system is a GC root.
#
# The stand-in's own snippets are NixOS's: `specialfs` (mount /proc, /run,
# /dev, /dev/shm and /dev/pts, remounting what is mounted already), `etc`,
# `var`, `usrbinenv`, `binsh`; and `systemd` (stand-in only): the paths
# Debian's systemd has compiled in, /lib/systemd and /usr/lib/systemd,
# point at the current system's systemd.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types concatStringsSep concatMapStrings escapeShellArg;

  # Snippets as { name; text; deps; dry; }.
  snippets = lib.mapAttrs (name: s:
    if builtins.isAttrs s
    then { inherit name; text = s.text or ""; deps = s.deps or [ ]; dry = s.supportsDryActivation or false; }
    else { inherit name; text = toString s; deps = [ ]; dry = false; })
    config.system.activationScripts;

  # nixpkgs' textClosureMap: each name after its dependencies, once.
  ordered =
    let
      visit = acc: name:
        if acc.seen ? ${name} || !(snippets ? ${name}) then acc
        else
          let after = builtins.foldl' visit (acc // { seen = acc.seen // { ${name} = true; }; }) snippets.${name}.deps;
          in after // { order = after.order ++ [ snippets.${name} ]; };
    in
    (builtins.foldl' visit { seen = { }; order = [ ]; } (builtins.attrNames snippets)).order;

  snippetText = s: ''
    #### Activation script snippet ${s.name}:
    _localstatus=0
    ${s.text}

    if [ "$_localstatus" -gt 0 ]; then
      printf "Activation script snippet '%s' failed (%s)\n" ${escapeShellArg s.name} "$_localstatus"
    fi
  '';

  # NixOS puts coreutils, grep, findutils, getent, shadow, nettools and
  # util-linux on the PATH of activation; busybox has them, and the
  # stand-in's tools add util-linux's mountpoint.
  script = only: ''
    #!${pkgs.busybox}/bin/sh
    systemConfig='@out@'

    export PATH=/empty
    for i in ${pkgs.busybox} ${config.system.build.standinTools}; do
        PATH=$PATH:$i/bin:$i/sbin
    done

    _status=0
    trap "_status=1 _localstatus=\$?" ERR

    # Ensure a consistent umask.
    umask 0022

    ${concatMapStrings snippetText (builtins.filter only ordered)}
  '';

  specialMounts = lib.sort (a: b: a.mountPoint < b.mountPoint)
    (lib.mapAttrsToList (mountPoint: fs: fs // { inherit mountPoint; }) config.boot.specialFileSystems);
in
{
  options = {
    system.activationScripts = mkOption { type = types.attrsOf types.unspecified; default = { }; };
    boot.specialFileSystems = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          fsType = mkOption { type = types.str; };
          device = mkOption { type = types.nullOr types.str; default = null; };
          options = mkOption { type = types.listOf types.str; default = [ "defaults" ]; };
        };
      });
      default = { };
    };
    environment.usrbinenv = mkOption { type = types.nullOr types.str; default = "${pkgs.coreutils}/bin/env"; };
    environment.binsh = mkOption { type = types.str; default = "${pkgs.runtimeShell}"; };
  };

  config = {
    # NixOS's special file systems of a container (/sys is left to the
    # container manager).
    boot.specialFileSystems = {
      "/proc" = { fsType = "proc"; options = [ "nosuid" "noexec" "nodev" ]; };
      "/run" = { fsType = "tmpfs"; options = [ "nosuid" "nodev" "strictatime" "mode=755" "size=25%" ]; };
      "/dev" = { fsType = "devtmpfs"; options = [ "nosuid" "strictatime" "mode=755" "size=5%" ]; };
      "/dev/shm" = { fsType = "tmpfs"; options = [ "nosuid" "nodev" "strictatime" "mode=1777" "size=50%" ]; };
      "/dev/pts" = { fsType = "devpts"; options = [ "nosuid" "noexec" "mode=620" "ptmxmode=0666" "gid=3" ]; };
    };

    system.build.earlyMountScript = pkgs.writeScript "mounts.sh" (concatMapStrings (fs: ''
      specialMount ${escapeShellArg (if fs.device == null then fs.fsType else fs.device)} ${escapeShellArg fs.mountPoint} ${escapeShellArg (concatStringsSep "," fs.options)} ${escapeShellArg fs.fsType}
    '') specialMounts);

    system.build.activationScript = script (_: true) + ''
      # Make this configuration the current configuration.
      # The readlink is there to ensure that when $systemConfig = /system
      # (which is a symlink to the store), /run/current-system is still
      # used as a garbage collection root.
      ln -sfn "$(readlink -f "$systemConfig")" /run/current-system

      # Prevent the current configuration from being garbage-collected.
      ln -sfn /run/current-system /nix/var/nix/gcroots/current-system

      exit $_status
    '';
    system.build.dryActivationScript = script (s: s.dry) + ''
      exit $_status
    '';

    system.activationScripts = {
      specialfs = ''
        specialMount() {
          local device="$1"
          local mountPoint="$2"
          local options="$3"
          local fsType="$4"

          if mountpoint -q "$mountPoint"; then
            local options="remount,$options"
          else
            mkdir -p "$mountPoint"
            chmod 0755 "$mountPoint"
          fi
          mount -t "$fsType" -o "$options" "$device" "$mountPoint"
        }
        source ${config.system.build.earlyMountScript}
      '';

      etc = {
        deps = [ "specialfs" ];
        text = ''
          # Set up the statically computed bits of /etc.
          echo "setting up /etc..."
          sh ${./scripts/setup-etc.sh} ${config.system.build.etc}/etc
        '';
      };

      var = ''
        # Various log/runtime directories.
        mkdir -p /var/tmp /var/log /var/lib
        chmod 1777 /var/tmp
        touch /var/log/wtmp /var/log/lastlog # must exist
        chmod 644 /var/log/wtmp /var/log/lastlog
        # Empty, immutable home directory of many system accounts.
        mkdir -p /var/empty
        find /var/empty -mindepth 1 -maxdepth 1 -exec rm -rf {} +
        chmod 0555 /var/empty
        # The stand-in's own: what NixOS's stage 1 and users make.
        mkdir -p /root /home /tmp
        chmod 0700 /root
        chmod 1777 /tmp
      '';

      usrbinenv = if config.environment.usrbinenv != null then ''
        mkdir -p /usr/bin
        chmod 0755 /usr/bin
        ln -sfn ${config.environment.usrbinenv} /usr/bin/.env.tmp
        mv -f /usr/bin/.env.tmp /usr/bin/env # atomically replace /usr/bin/env
      '' else ''
        rm -f /usr/bin/env
      '';

      binsh = ''
        # Create the required /bin/sh symlink; otherwise lots of things
        # (notably the system() function) won't work.
        mkdir -p /bin
        chmod 0755 /bin
        ln -sfn "${config.environment.binsh}" /bin/.sh.tmp
        mv -f /bin/.sh.tmp /bin/sh # atomically replace /bin/sh
      '';

      # The container's hostname: LXC sets it at start; a switch that
      # changes networking.hostName sets it here.
      hostname = ''
        hostname ${escapeShellArg config.networking.hostName}
      '';

      systemd = lib.mkIf (config.system.standin.init == "systemd") ''
        # Debian's systemd has /lib/systemd and /usr/lib/systemd compiled in
        # (systemd-shutdown, the re-exec of PID 1): they are the current
        # system's, as nixpkgs' systemd re-executes
        # /run/current-system/systemd/lib/systemd/systemd.
        # The journal keeps every boot (systemd's tmpfiles make it on
        # NixOS, too late for the first boot's flush here).
        mkdir -p /var/log/journal
        for d in /lib /usr/lib; do
          mkdir -p $d
          ln -sfn /run/current-system/systemd/lib/systemd $d/.systemd.tmp
          mv -fT $d/.systemd.tmp $d/systemd
        done
      '';
    };
  };
}

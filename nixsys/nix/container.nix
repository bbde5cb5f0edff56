# What nixlxc adds to every container's configuration. The same module for
# a real NixOS and for the stand-in nixpkgs: everything here is NixOS's own
# options, and everything a user may set is a default.
{ name, settingsJSON, nameservers, stateVersion ? "" }:
{ config, lib, pkgs, ... }:
let
  # Nix inside a container would work on the host's store, read-only here:
  # it is disabled (nix.enable = false), and its commands say so.
  nixDisabled = pkgs.runCommand "nixlxc-nix-disabled" { } ''
    mkdir -p $out/bin
    for c in nix nix-build nix-env nix-shell nix-store nix-instantiate nix-channel nix-collect-garbage nixos-rebuild; do
      cat > $out/bin/$c <<EOF
    #!${pkgs.runtimeShell}
    echo "$c: Nix is disabled in nixlxc containers (their /nix/store is the host's, read-only): build on the host with nixlxc update ${name} FILE" >&2
    exit 1
    EOF
      chmod 0555 $out/bin/$c
    done
  '';
in
{
  boot.isContainer = true;
  networking.hostName = lib.mkDefault name;
  # LXC configures the interfaces with nixlxc's addresses before init runs.
  networking.useDHCP = lib.mkDefault false;
  networking.nameservers = lib.mkDefault nameservers;
  # Pinned at create (nixlxc records the first build's and passes it to
  # every later one), so a newer nixpkgs does not move a container's state
  # formats; a configuration that sets it wins.
  system.stateVersion = lib.mkDefault (if stateVersion != "" then stateVersion else lib.trivial.release);
  nix.enable = lib.mkDefault false;
  environment.systemPackages = lib.mkIf (!config.nix.enable) [ nixDisabled ];

  # The settings outside `configuration` (network, autostart, limits, extra
  # LXC config) travel with the generation, so a rollback restores them;
  # the state version goes with it for nixlxc to pin.
  system.extraSystemBuilderCmds = ''
    cp ${builtins.toFile "nixlxc.json" settingsJSON} $out/nixlxc.json
    printf '%s' ${lib.escapeShellArg config.system.stateVersion} > $out/nixlxc-state-version
  '';

  # NixOS's specialfs remounts /proc, /run, /dev, /dev/shm and /dev/pts,
  # which the kernel refuses in an unprivileged container (LXC mounted them,
  # with flags the container's user namespace cannot change): activation
  # would fail on every boot and switch. Mount only what is missing, as
  # vpsAdminOS's and nixcloud's containers do.
  system.activationScripts.specialfs = lib.mkForce ''
    specialMount() {
      local device="$1"
      local mountPoint="$2"
      local options="$3"
      local fsType="$4"

      if mountpoint -q "$mountPoint"; then
        return 0
      fi
      mkdir -p "$mountPoint"
      chmod 0755 "$mountPoint"
      mount -t "$fsType" -o "$options" "$device" "$mountPoint"
    }
    source ${config.system.build.earlyMountScript}
  '';

  # Report to nixlxc through /run/nixlxc (a host directory LXC binds there)
  # which system is active. /nix/var/nix/gcroots is made for activation's
  # own GC root link: a container's /nix/var/nix holds only the profiles
  # nixlxc binds read-only.
  system.activationScripts.nixlxc = ''
    mkdir -p /nix/var/nix/gcroots
    if [ -d /run/nixlxc ]; then
      echo "$systemConfig" > /run/nixlxc/current.tmp && mv -f /run/nixlxc/current.tmp /run/nixlxc/current
    fi
  '';

  # Readiness: nixlxc start returns once /run/nixlxc/booted exists, which
  # this unit writes when multi-user.target has been reached (it has no
  # default dependencies, or the target would be ordered after it) and new
  # IPv6 addresses are no longer tentative. It removes the mark when it is
  # stopped at shutdown, so a container that reboots itself is not taken
  # for booted until it is again. A switch never restarts it.
  systemd.services.nixlxc-booted = {
    description = "Tell nixlxc that the container has booted";
    wantedBy = [ "multi-user.target" ];
    after = [ "multi-user.target" ];
    conflicts = [ "shutdown.target" ];
    before = [ "shutdown.target" ];
    unitConfig.DefaultDependencies = false;
    restartIfChanged = false;
    serviceConfig.Type = "oneshot";
    serviceConfig.RemainAfterExit = true;
    script = ''
      # A service binding a tentative (DAD) IPv6 address fails: wait for
      # global ones, at most 5 s.
      i=0
      while [ -r /proc/net/if_inet6 ] && [ $i -lt 50 ]; do
        tentative=0
        while read -r _addr _index _plen scope flags _dev; do
          if [ "$scope" = 00 ] && [ $((0x$flags & 0x40)) -ne 0 ]; then tentative=1; fi
        done < /proc/net/if_inet6
        [ $tentative = 0 ] && break
        sleep 0.1
        i=$((i + 1))
      done
      if [ -d /run/nixlxc ]; then
        readlink -f /run/current-system > /run/nixlxc/booted.tmp
        mv -f /run/nixlxc/booted.tmp /run/nixlxc/booted
      fi
    '';
    preStop = ''
      rm -f /run/nixlxc/booted
    '';
  };
}

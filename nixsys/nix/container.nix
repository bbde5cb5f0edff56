# What nixlxc adds to every container's configuration.
{ name, settingsJSON, nameservers }:
{ lib, ... }:
{
  boot.isContainer = true;
  networking.hostName = lib.mkDefault name;
  # LXC configures the interfaces with nixlxc's addresses before init runs.
  networking.useDHCP = false;
  networking.nameservers = lib.mkDefault nameservers;
  # The settings outside `configuration` (network, autostart, limits, extra
  # LXC config) travel with the generation, so a rollback restores them.
  system.extraSystemBuilderCmds = ''
    cp ${builtins.toFile "nixlxc.json" settingsJSON} $out/nixlxc.json
  '';
}
// lib.optionalAttrs (!(lib.nixlxcStandin or false)) {
  # On a real NixOS system, report to nixlxc through /run/nixlxc (a host
  # directory LXC binds there): the active system, and when boot is done.
  # The stand-in's own init does this itself.
  system.activationScripts.nixlxc = ''
    if [ -d /run/nixlxc ]; then
      echo "$systemConfig" > /run/nixlxc/current.tmp && mv /run/nixlxc/current.tmp /run/nixlxc/current
    fi
  '';
  systemd.services.nixlxc-booted = {
    description = "Tell nixlxc that the container has booted";
    wantedBy = [ "multi-user.target" ];
    after = [ "multi-user.target" ];
    serviceConfig.Type = "oneshot";
    serviceConfig.RemainAfterExit = true;
    script = ''
      if [ -d /run/nixlxc ]; then
        readlink -f /run/current-system > /run/nixlxc/booted.tmp && mv /run/nixlxc/booted.tmp /run/nixlxc/booted
      fi
    '';
  };
}

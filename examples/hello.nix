# The smallest useful container: a NixOS module, the form nixcloud-container
# takes. `ip` is the container's hostonly address, `name` its name.
{ pkgs, ip, name, ... }:
{
  environment.etc."motd".text = "Welcome to ${name}.\n";

  # A long-running service, started at boot and restarted if it exits.
  systemd.services.heartbeat = {
    description = "Write the time every second";
    wantedBy = [ "multi-user.target" ];
    script = ''
      mkdir -p /var/lib/heartbeat
      while true; do
        date > /var/lib/heartbeat/now
        sleep 1
      done
    '';
  };
}

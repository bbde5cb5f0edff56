# nixcloud-container example: autostart.
{ autostart = true;
  configuration = {pkgs, ip, name, ...}: {
    services.openssh.enable = true; services.openssh.ports = [ 22 ];
    networking.hostName = "autostartExample";
    environment.systemPackages = [ pkgs.dfc pkgs.vim ]; }; }

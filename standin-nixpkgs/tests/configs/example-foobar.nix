# nixcloud-container example: own bridge; ./id_rsa.pub does not exist on
# purpose (the option is ignored, so the value must never be forced).
{ network = { bridge = "myOwnBridge"; ip = "10.10.1.2"; enableNat = false; };
  autostart = true; lxcExtraConfig = ""; name = "foobar";
  configuration = {pkgs, ip, name, ...}: {
    services.openssh.enable = true; services.openssh.ports = [ 22 ];
    networking.hostName = ip;
    users.extraUsers.root.openssh.authorizedKeys.keys = [ (builtins.readFile ./id_rsa.pub) ];
    environment.systemPackages = [ pkgs.dfc pkgs.vim ]; }; }

# The attribute-set form: container settings around the NixOS configuration.
# A web server on the hostonly network, started when the host boots.
{
  autostart = true;

  network = {
    # ip = "10.101.0.10";   # a static address; by default nixlxc picks one
    enableNat = false;      # true adds an `internet` interface with NAT
  };

  configuration = { pkgs, ip, name, ... }: {
    environment.etc."www/index.html".text = ''
      <h1>Hello from ${name} (${ip})</h1>
    '';
    # NixOS's firewall is on by default: open the port.
    networking.firewall.allowedTCPPorts = [ 80 ];
    systemd.services.httpd = {
      description = "busybox httpd serving /etc/www";
      wantedBy = [ "multi-user.target" ];
      serviceConfig.ExecStart = "${pkgs.busybox}/bin/httpd -f -p 80 -h /etc/www";
    };
  };
}

# boot-test.sh, first system: a ticking service, a oneshot, one to be removed.
{ pkgs, lib, name, ... }: {
  networking.nameservers = [ "192.0.2.53" ];
  environment.etc."standin-test/version".text = "one";
  environment.systemPackages = [ pkgs.hello ];

  systemd.services.ticker = {
    wantedBy = [ "multi-user.target" ];
    preStart = "mkdir -p /var/lib/ticker";
    # TERM is trapped so the test can see that the service got it.
    script = ''
      trap 'echo "$(date +%s) $GEN" > /var/lib/ticker/got-term; exit 0' TERM
      while :; do
        date +%s > /var/lib/ticker/marker
        echo "tick $GEN"
        sleep 1
      done
    '';
    environment.GEN = "one";
  };

  systemd.services.setup = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.Type = "oneshot";
    script = "mkdir -p /var/lib/setup; echo booted >> /var/lib/setup/boots";
  };

  systemd.services.old = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.ExecStart = "${pkgs.busybox}/bin/sleep 100000";
  };

  # Defined but not wanted: must not start.
  systemd.services.unwanted.script = "touch /var/lib/unwanted-ran; sleep 1000";
}

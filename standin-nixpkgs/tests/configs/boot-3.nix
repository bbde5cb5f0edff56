# boot-test.sh, third system: a service that fails at once.
{ lib, ... }: {
  imports = [ ./boot-2.nix ];
  systemd.services.broken = {
    wantedBy = [ "multi-user.target" ];
    script = "echo broken on purpose; exit 1";
    # Failed for good: the busybox init restarts simple services by
    # default, and between two tries the system would look running.
    serviceConfig.Restart = "no";
  };
}

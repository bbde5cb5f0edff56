# boot-test.sh, second system: ticker changed, old removed, added is new,
# setup unchanged.
{ pkgs, lib, ... }: {
  imports = [ ./boot-1.nix ];
  environment.etc."standin-test/version".text = lib.mkForce "two";
  systemd.services.ticker.environment.GEN = lib.mkForce "two";
  systemd.services.old.wantedBy = lib.mkForce [ ];
  systemd.services.added = {
    wantedBy = [ "multi-user.target" ];
    script = "while :; do date +%s > /var/lib/added-marker; sleep 1; done";
  };
}

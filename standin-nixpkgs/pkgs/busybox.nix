# busybox, copied from the host (busybox-static), with a symlink per applet.
#
# Bootstrap with builtins only: builtins.path copies just the busybox binary
# out of /usr/bin. It keeps its name, which matters: busybox picks the applet
# from argv[0], so "${boot}/busybox sh" runs the shell.
{ system }:
let
  hostDir = if builtins.pathExists /usr/bin/busybox then /usr/bin else /bin;
  boot = builtins.path {
    path = hostDir;
    name = "busybox-bootstrap";
    filter = p: _type: baseNameOf p == "busybox";
  };
in
derivation {
  name = "busybox-static-host";
  inherit system;
  builder = "${boot}/busybox";
  args = [
    "sh"
    "-e"
    "-c"
    ''
      bb=${boot}/busybox
      $bb mkdir -p $out/bin
      $bb cp $bb $out/bin/busybox
      $bb chmod 0555 $out/bin/busybox
      for a in $($out/bin/busybox --list); do
        [ "$a" = busybox ] || $bb ln -s busybox "$out/bin/$a"
      done
    ''
  ];
}

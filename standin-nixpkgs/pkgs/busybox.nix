# busybox, copied from the host (busybox-static), with a symlink per applet.
#
# Bootstrap with builtins only: builtins.path copies just the busybox binary
# out of /usr/bin. It keeps its name, which matters: busybox picks the applet
# from argv[0], so "${boot}/busybox sh" runs the shell.
{ system }:
let
  # A directory holding a static busybox: Debian's busybox-static, or one
  # named by NIXLXC_STANDIN_BUSYBOX_DIR (on NixOS, for instance, the bin of
  # nixpkgs' pkgsStatic.busybox).
  fromEnv = builtins.getEnv "NIXLXC_STANDIN_BUSYBOX_DIR";
  hostDir =
    if fromEnv != "" then /. + fromEnv
    else if builtins.pathExists /usr/bin/busybox then /usr/bin
    else if builtins.pathExists /bin/busybox then /bin
    else throw "standin-nixpkgs needs a static busybox: install busybox-static, or set NIXLXC_STANDIN_BUSYBOX_DIR to a directory holding one";
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

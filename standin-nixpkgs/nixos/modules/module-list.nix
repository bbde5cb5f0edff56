# The stand-in's base modules: they declare the options it implements and
# build config.system.build.toplevel. Everything else is accepted and ignored.
[
  ./standin/nixpkgs.nix
  ./standin/misc.nix
  ./standin/networking.nix
  ./standin/etc.nix
  ./standin/environment.nix
  ./standin/activation.nix
  ./standin/systemd.nix
  ./standin/top-level.nix
]

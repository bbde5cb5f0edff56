# Reads the settings around a container's NixOS configuration, in
# nixcloud-container's file format, without evaluating the configuration
# itself. nixlxc checks the values; this only gathers them.
{ configFile }:
import ./settings-of.nix (import (/. + configFile))

# Imported by path from tests/eval.nix (twice: it must be used once).
{ lib, ... }: {
  imports = [ ./imported-nested.nix ];
  test.fromFile = [ "imported" ];
}

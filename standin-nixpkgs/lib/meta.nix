# Package metadata helpers (nixpkgs lib/meta.nix subset).
{ lib }:
rec {
  # "hello-2.12" -> "hello", as builtins.parseDrvName reads it.
  getName = x: (builtins.parseDrvName (x.name or x.pname or "")).name;
  getBin = x: x.bin or x.out or x;
  getExe' = x: name: "${getBin x}/bin/${name}";
  # The package's main program: meta.mainProgram, else its name.
  getExe = x: getExe' x (x.meta.mainProgram or (getName x));
}

# Empty stand-in for the NixOS module of the same path: configurations import
# it, the stand-in has nothing to do for it.
{ ... }: { }

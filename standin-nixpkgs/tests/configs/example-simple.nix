# nixcloud-container example: a container with vim.
{pkgs, ip, name, ...}: { environment.systemPackages = [ pkgs.vim ]; }

# systemd: Debian's systemd package, brought into the Nix store the way
# nixpkgs packages systemd, so a stand-in system boots it as its PID 1.
#
# nixpkgs builds systemd with store paths compiled in. The stand-in cannot
# compile anything, so it copies the host's binaries (the files the Debian
# package `systemd` installs, read from dpkg's own file list) and the
# shared libraries they load, and relocates them with patchelf: every ELF
# file gets this package's copy of the dynamic loader as its interpreter
# and this package's lib/so as its only library path. Nothing outside the
# store is loaded inside a container.
#
# Layout, as nixpkgs' systemd (the parts NixOS reads):
#   bin/systemctl, bin/journalctl, ...     the package's commands
#   lib/systemd/systemd, systemd-journald  PID 1 and its helpers
#   example/systemd/system/                Debian's units, their /lib/systemd
#                                          and /bin paths rewritten to this
#                                          package (NixOS copies the ones it
#                                          wants from here, as upstreamUnits)
#   lib/so/                                the libraries (nixpkgs: the
#                                          closure's own store paths)
#
# Paths systemd has compiled in (/lib/systemd/systemd-shutdown and the like)
# are provided inside the container by the system's activation (symlinks
# into /run/current-system/systemd), as NixOS provides /usr/bin/env.
#
# The inputs are the files themselves (builtins.path hashes them), so the
# store path changes exactly when Debian's systemd or a library changes.
{ lib, system, busybox }:
let
  dpkgInfo = /var/lib/dpkg/info;
  missing = throw ''
    standin-nixpkgs boots Debian's systemd as a container's init, and this
    host has none: install it (apt-get install systemd patchelf), or set
    NIXLXC_STANDIN_INIT=busybox to boot the stand-in's busybox init instead.'';

  listFile = dpkgInfo + "/systemd.list";
  fileList =
    if builtins.pathExists listFile
    then lib.filter (l: builtins.isString l && l != "") (builtins.split "\n" (builtins.readFile listFile))
    else missing;
  # Debian 12 merged /usr: dpkg names /lib/systemd/x and /bin/x, the files
  # live in /usr/lib/systemd/x and /usr/bin/x.
  inPackage = lib.listToAttrs (map (p: lib.nameValuePair (lib.removePrefix "/usr" p) true) fileList);
  packaged = p: inPackage ? ${lib.removePrefix "/usr" p};

  # The commands of the package, but the ones for disks and encryption
  # (they load libcryptsetup and libfdisk, which a container has no use for).
  excluded = [ "systemd-cryptsetup" "systemd-veritysetup" "systemd-integritysetup" "systemd-repart" "systemd-cryptenroll" "kernel-install" "systemd-sysv-install" ];
  wanted = p: packaged p && !(builtins.elem (baseNameOf p) excluded);

  libexec = builtins.path {
    path = /usr/lib/systemd;
    name = "debian-systemd-lib";
    filter = p: type:
      let rel = lib.removePrefix "/usr/lib/systemd/" p; in
      # The binaries next to systemd itself, and the units (for the example
      # directory); not generators, presets, network or user units.
      (builtins.match "[^/]+" rel != null && wanted p && type != "directory")
      || rel == "system"
      || (lib.hasPrefix "system/" rel && packaged p);
  };
  bins = builtins.path {
    path = /usr/bin;
    name = "debian-systemd-bin";
    filter = p: _type: packaged ("/bin/" + baseNameOf p) && wanted ("/bin/" + baseNameOf p)
      || packaged ("/usr/bin/" + baseNameOf p) && wanted ("/usr/bin/" + baseNameOf p);
  };

  # The libraries the binaries above load (ldd's closure on Debian 12). The
  # build checks that every DT_NEEDED entry is here, so a Debian update that
  # adds one fails the build with the library's name.
  sonames = [
    "ld-linux-x86-64.so.2" "libc.so.6" "libm.so.6" "libcrypt.so.1" "libacl.so.1"
    "libapparmor.so.1" "libaudit.so.1" "libblkid.so.1" "libcap-ng.so.0" "libcap.so.2"
    "libcrypto.so.3" "libgcrypt.so.20" "libgpg-error.so.0" "libip4tc.so.2" "libkmod.so.2"
    "liblz4.so.1" "liblzma.so.5" "libmount.so.1" "libpam.so.0" "libpcre2-8.so.0"
    "libseccomp.so.2" "libselinux.so.1" "libzstd.so.1"
  ];
  isLib = name: builtins.any (s: name == s || lib.hasPrefix (s + ".") name) sonames;
  libs = builtins.path {
    path = /usr/lib/x86_64-linux-gnu;
    name = "debian-systemd-libs";
    filter = p: type:
      let rel = lib.removePrefix "/usr/lib/x86_64-linux-gnu/" p; in
      (type != "directory" && builtins.match "[^/]+" rel != null && isLib rel)
      || rel == "systemd"
      || (lib.hasPrefix "systemd/libsystemd-" rel);
  };

  # patchelf is Debian's too: the build runs it (no sandbox), and its copy
  # here makes the result depend on which patchelf it was.
  patchelf =
    if builtins.pathExists /usr/bin/patchelf
    then builtins.path { path = /usr/bin; name = "debian-patchelf"; filter = p: _: baseNameOf p == "patchelf"; }
    else missing;

  # The version as nixpkgs names it (systemd-252.38): Debian's upstream
  # part, from dpkg's status file; the soname's major version if that fails.
  version =
    let
      status = builtins.readFile /var/lib/dpkg/status;
      after = builtins.elemAt (builtins.split "\nPackage: systemd\n" status) 2;
      stanza = builtins.head (builtins.split "\n\n" (builtins.substring 0 4096 after));
      m = builtins.match "(.*\n)?Version: ([0-9]+(\\.[0-9]+)*)[^\n]*(\n.*)?" stanza;
      shared = lib.filter (n: lib.hasPrefix "libsystemd-shared-" n)
        (lib.attrNames (builtins.readDir /usr/lib/x86_64-linux-gnu/systemd));
      major = builtins.head (builtins.match "libsystemd-shared-([0-9]+)\\.so" (builtins.head shared));
    in
    if m != null then builtins.elemAt m 1 else major;
in
derivation {
  name = "systemd-${version}";
  inherit system version;
  builder = "${busybox}/bin/busybox";
  args = [ "sh" "-e" "-c" ". \"$buildScriptPath\"" ];
  PATH = "${busybox}/bin";
  inherit libexec bins libs;
  patchelf = "${patchelf}/patchelf";
  excluded = toString excluded;
  passAsFile = [ "buildScript" ];
  buildScript = ''
    so=$out/lib/so
    mkdir -p $out/bin $out/lib/systemd $so $out/example/systemd/system

    is_elf() { [ "$(head -c 4 "$1")" = "$(printf '\177ELF')" ]; }

    for f in "$libexec"/*; do
      [ -f "$f" ] && [ ! -L "$f" ] && is_elf "$f" && cp "$f" $out/lib/systemd/
    done
    for f in "$bins"/*; do
      [ -f "$f" ] && [ ! -L "$f" ] && is_elf "$f" && cp "$f" $out/bin/
    done
    # Each library under its soname (the file a symlink names, copied).
    for f in "$libs"/*.so* "$libs"/systemd/*.so; do
      n=''${f##*/}
      case "$n" in *.so.*.*) [ -L "$f" ] || continue ;; esac
      cp -L "$f" "$so/$n"
    done
    chmod -R u+w $out

    for f in $out/lib/systemd/* $out/bin/*; do
      "$patchelf" --set-interpreter $so/ld-linux-x86-64.so.2 --set-rpath $so "$f"
    done
    for f in $so/*; do
      [ "''${f##*/}" = ld-linux-x86-64.so.2 ] || "$patchelf" --set-rpath $so "$f"
    done

    # Every library any of them names must be here.
    for f in $out/lib/systemd/* $out/bin/* $so/*; do
      for n in $("$patchelf" --print-needed "$f"); do
        [ -e "$so/$n" ] || { echo "standin-nixpkgs: $f needs $n, which pkgs/systemd.nix does not copy (add it to its sonames)" >&2; exit 1; }
      done
    done

    # The units, with the package's paths (as nixpkgs' build does).
    cp -P "$libexec"/system/* $out/example/systemd/system/ 2>/dev/null || true
    for d in "$libexec"/system/*.wants "$libexec"/system/*.requires; do
      [ -d "$d" ] || continue
      rm -f "$out/example/systemd/system/''${d##*/}"
      mkdir -p "$out/example/systemd/system/''${d##*/}"
      cp -P "$d"/* "$out/example/systemd/system/''${d##*/}/" 2>/dev/null || true
    done
    chmod -R u+w $out/example
    # Placeholders first, so a rewritten path is never rewritten again; the
    # longest command names first, so /bin/systemd-tty-ask-password-agent
    # is not taken for /bin/systemd-ask-password.
    subst="s|/usr/lib/systemd/|@SD@|g; s|/lib/systemd/|@SD@|g"
    for b in $(cd $out/bin && ls | awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2); do
      subst="$subst; s|/usr/bin/$b|@BIN@$b|g; s|/bin/$b|@BIN@$b|g"
      # Debian's units also name commands bare (ExecStart=systemctl ...),
      # which systemd looks up in /usr/bin and /bin.
      subst="$subst; s|^\\(Exec[A-Za-z]*=[-@+!:]*\\)$b\\( \\|\$\\)|\\1@BIN@$b\\2|"
    done
    subst="$subst; s|@SD@|$out/lib/systemd/|g; s|@BIN@|$out/bin/|g"
    find $out/example -type f | while IFS= read -r u; do
      sed -i "$subst" "$u"
    done
  '';
}

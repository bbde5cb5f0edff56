# Common packages, as far as busybox can stand in for them, and placeholders
# for the ones it cannot (so configurations that install them still
# evaluate and build).
{ lib, busybox, runCommand, writeTextFile }:
let
  meta = description: { inherit description; platforms = [ "x86_64-linux" "aarch64-linux" ]; };

  # bin/<applet> -> busybox (applets busybox does not have are skipped).
  # Named links work: busybox picks the applet from argv[0].
  applets = name: list:
    runCommand name { meta = meta "busybox applets standing in for ${name}"; } ''
      mkdir -p $out/bin
      for a in ${lib.concatStringsSep " " list}; do
        if [ -e ${busybox}/bin/$a ]; then ln -s ${busybox}/bin/busybox $out/bin/$a; fi
      done
    '';

  # bin/<name> running a busybox applet of another name (a link named
  # `bash` would ask busybox for a `bash` applet, which does not exist).
  wrapper = name: bins: applet:
    runCommand name { meta = meta "${name} stand-in: busybox ${applet}"; } ''
      mkdir -p $out/bin
      for b in ${lib.concatStringsSep " " bins}; do
        printf '#!%s\nexec %s %s "$@"\n' ${busybox}/bin/sh ${busybox}/bin/busybox ${applet} > $out/bin/$b
        chmod 0555 $out/bin/$b
      done
    '';

  placeholder = name:
    writeTextFile {
      inherit name;
      destination = "/share/standin/README";
      text = ''
        ${name}: placeholder package of the nixlxc stand-in nixpkgs.
        The stand-in (no real nixpkgs, no network) cannot build ${name}, so
        this package has no binary. Configurations that install it evaluate
        and build; the program itself is not available in the container.
      '';
      meta = meta "placeholder for ${name} (no binary)";
    } // { pname = name; version = "standin"; };

  coreutilsApplets = [
    "[" "basename" "cat" "chgrp" "chmod" "chown" "chroot" "cp" "cut" "date" "dd" "df"
    "dirname" "du" "echo" "env" "expand" "expr" "factor" "false" "fold" "head" "hostid"
    "id" "install" "link" "ln" "logname" "ls" "md5sum" "mkdir" "mkfifo" "mknod" "mktemp"
    "mv" "nice" "nl" "nohup" "nproc" "od" "paste" "printf" "pwd" "readlink" "realpath"
    "rm" "rmdir" "seq" "sha1sum" "sha256sum" "sha512sum" "shred" "shuf" "sleep" "sort"
    "split" "stat" "stty" "sum" "sync" "tac" "tail" "tee" "test" "timeout" "touch" "tr"
    "true" "truncate" "tty" "uname" "unexpand" "uniq" "unlink" "uptime" "wc" "who"
    "whoami" "yes" "base64"
  ];
in
{
  coreutils = applets "coreutils" coreutilsApplets;
  coreutils-full = applets "coreutils" coreutilsApplets;
  gnused = applets "gnused" [ "sed" ];
  gnugrep = applets "gnugrep" [ "grep" "egrep" "fgrep" ];
  findutils = applets "findutils" [ "find" "xargs" ];
  gawk = applets "gawk" [ "awk" ];
  gnutar = applets "gnutar" [ "tar" ];
  gzip = applets "gzip" [ "gzip" "gunzip" "zcat" ];
  bzip2 = applets "bzip2" [ "bzip2" "bunzip2" "bzcat" ];
  xz = applets "xz" [ "xz" "unxz" "xzcat" "lzma" "unlzma" ];
  unzip = applets "unzip" [ "unzip" ];
  diffutils = applets "diffutils" [ "diff" "cmp" ];
  patch = applets "patch" [ "patch" ];
  which = applets "which" [ "which" ];
  less = applets "less" [ "less" ];
  more = applets "more" [ "more" ];
  procps = applets "procps" [ "ps" "top" "free" "kill" "pidof" "uptime" "watch" "sysctl" "w" ];
  psmisc = applets "psmisc" [ "killall" ];
  iproute2 = applets "iproute2" [ "ip" ];
  iproute = applets "iproute2" [ "ip" ];
  iputils = applets "iputils" [ "ping" "ping6" "arping" "traceroute" "traceroute6" ];
  nettools = applets "nettools" [ "ifconfig" "route" "netstat" "arp" "hostname" ];
  inetutils = applets "inetutils" [ "hostname" "ping" "telnet" "traceroute" "ftpget" "ftpput" ];
  hostname = applets "hostname" [ "hostname" "dnsdomainname" ];
  netcat = applets "netcat" [ "nc" ];
  netcat-gnu = applets "netcat" [ "nc" ];
  netcat-openbsd = applets "netcat" [ "nc" ];
  util-linux = applets "util-linux" [
    "mount" "umount" "losetup" "setsid" "unshare" "nsenter" "more" "fdisk" "mkswap"
    "swapon" "swapoff" "dmesg" "hexdump" "rev" "renice" "taskset" "flock" "kill"
  ];
  utillinux = applets "util-linux" [ "mount" "umount" "setsid" "unshare" "nsenter" "dmesg" ];
  wget = applets "wget" [ "wget" ];
  dnsutils = applets "dnsutils" [ "nslookup" ];
  cron = applets "cron" [ "crond" "crontab" ];
  shadow = applets "shadow" [ "su" "passwd" "login" "mkpasswd" ];

  bash = wrapper "bash" [ "bash" ] "sh";
  bashInteractive = wrapper "bash-interactive" [ "bash" ] "sh";
  dash = wrapper "dash" [ "dash" ] "sh";
  vim = wrapper "vim" [ "vim" "vi" ] "vi";
  vim-full = wrapper "vim" [ "vim" "vi" ] "vi";
  neovim = wrapper "neovim" [ "nvim" ] "vi";
  nano = wrapper "nano" [ "nano" ] "vi";
  htop = wrapper "htop" [ "htop" ] "top";
  hello = writeTextFile {
    name = "hello-standin";
    executable = true;
    destination = "/bin/hello";
    text = ''
      #!${busybox}/bin/sh
      echo "Hello, world!"
    '';
  };
}
// lib.genAttrs [
  # nixcloud-container's examples and other very common packages.
  "dfc" "iptables" "nftables" "git" "tmux" "screen" "nginx" "openssh" "python3"
  "python" "python2" "perl" "nodejs" "curl" "jq" "tree" "file" "rsync" "lsof"
  "strace" "tcpdump" "nmap" "openssl" "gnumake" "gcc" "emacs" "zsh" "fish" "mc"
  "ncdu" "zip" "socat" "bind" "sqlite" "postgresql" "redis" "docker" "mosh"
  "ripgrep" "fd" "bat" "gnupg" "man" "ethtool" "bridge-utils" "conntrack-tools"
] placeholder

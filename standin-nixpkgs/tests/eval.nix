# Evaluation tests of the stand-in:
#   nix-instantiate --eval --strict tests/eval.nix -I nixpkgs=$PWD
# evaluates to `true`, or throws naming the failed cases. (An error `throw`
# cannot catch, e.g. a type error, stops evaluation at its location in this
# file; --show-trace also names the case.)
let
  lib = import <nixpkgs/lib>;
  evalConfig = import <nixpkgs/nixos/lib/eval-config.nix>;
  inherit (lib) mkIf mkMerge mkDefault mkForce mkOverride mkOptionDefault
    mkBefore mkAfter mkOption mkEnableOption types;

  # Bare module system (no base modules).
  eval = modules: (lib.evalModules { inherit modules; }).config;
  # A whole stand-in NixOS configuration, as nixlxc builds it.
  nixos = modules: (evalConfig {
    inherit modules;
    specialArgs = { ip = "10.101.0.2"; name = "example"; };
  }).config;
  wrapper = file: import ../../nixsys/nix/system.nix {
    configFile = toString file;
    name = "example";
    ip = "10.101.0.2";
  };

  throws = x: !(builtins.tryEval (builtins.deepSeq x x)).success;
  isDrvPath = p: builtins.isString p && lib.hasSuffix ".drv" p;

  cases = {
    "module function and attrset forms" =
      eval [
        { a.x = 1; }
        ({ ... }: { a.y = 2; })
        { config.a.z = 3; options = { }; }
        ({ config, ... }: { config.a.w = config.a.x + 10; })
      ] // { _module = null; } == { _module = null; a = { x = 1; y = 2; z = 3; w = 11; }; };

    "imports: inline, by path, nested, deduplicated" =
      let c = eval [
        { imports = [ ./modules/imported.nix ({ ... }: { test.inline = 1; }) ]; }
        { imports = [ ./modules/imported.nix ]; }
      ]; in
      c.test == { fromFile = [ "imported" ]; nested = true; inline = 1; };

    "mkIf on config: no infinite recursion" =
      let
        mod = { config, ... }: {
          options.services.foo.enable = mkEnableOption "foo";
          config = mkIf config.services.foo.enable {
            services.foo.port = 80;
            other.enabled = true;
          };
        };
        on = eval [ mod { services.foo.enable = true; } ];
        off = eval [ mod ];
      in
      on.services.foo.port == 80 && on.other.enabled && !off.services.foo.enable
      && throws off.other.enabled;

    "mkIf condition read from the same namespace" =
      (eval [
        ({ config, ... }: { x = mkIf config.x.a { b = 1; }; })
        { x.a = true; }
      ]).x.b == 1;

    "priorities: mkDefault < plain < mkForce, mkOptionDefault lowest" =
      let c = eval [
        { a = mkDefault "default"; b = mkOptionDefault 1; c = "plain"; d = mkOverride 10 "ten"; }
        { a = "plain"; b = mkDefault 2; c = mkForce "forced"; d = mkForce "forced"; }
      ]; in
      c.a == "plain" && c.b == 2 && c.c == "forced" && c.d == "ten";

    "lists concatenate, mkBefore/mkAfter order" =
      (eval [ { l = [ 1 ]; } { l = mkAfter [ 9 ]; } { l = [ 2 3 ]; } { l = mkBefore [ 0 ]; } ]).l
      == [ 0 1 2 3 9 ];

    "lines options join with newlines" =
      let c = eval [
        { s.script = "a"; s.preStart = "x"; t.text = "1"; }
        { s.script = "b"; s.preStart = "y"; t.text = "2"; }
        { options.custom = mkOption { type = types.lines; default = ""; }; config.custom = "p"; }
        { custom = "q"; }
      ]; in
      c.s.script == "a\nb" && c.s.preStart == "x\ny" && c.t.text == "1\n2" && c.custom == "p\nq";

    "conflicting definitions throw" =
      throws (eval [ { h = "a"; } { h = "b"; } ]).h
      && throws (nixos [ { networking.hostName = "a"; } { networking.hostName = "b"; } ]).networking.hostName
      && (eval [ { h = "a"; } { h = "a"; } ]).h == "a";

    "mkMerge and mkIf false" =
      (eval [ { m = mkMerge [ { a = 1; } (mkIf false { b = 2; }) (mkIf true { c = 3; }) ]; } ]).m.c == 3
      && (eval [ { l = mkMerge [ [ 1 ] (mkIf false [ 2 ]) [ 3 ] ]; } ]).l == [ 1 3 ];

    "unknown options are accepted and never forced" =
      let c = nixos [{
        services.openssh.enable = true;
        services.openssh.ports = [ 22 ];
        users.extraUsers.root.openssh.authorizedKeys.keys = [ (builtins.readFile ./does-not-exist) ];
        some.unknown.option = throw "must not be forced";
      }]; in
      isDrvPath c.system.build.toplevel.drvPath && c.services.openssh.enable;

    "_module.args feeds module arguments" =
      (eval [ { _module.args.foo = 42; } ({ foo, ... }: { bar = foo + 1; }) ]).bar == 43
      && (nixos [ { _module.args.extra = "x"; } ({ extra, pkgs, ... }: { environment.etc.e.text = extra; }) ])
        .environment.etc.e.text == "x";

    "options.*.default, apply, declared-only" =
      let c = eval [
        { options.x.y = mkOption { default = 5; }; options.x.z = mkOption { default = 1; apply = v: v * 2; }; }
        { options.x.w = mkOption { type = types.int; }; }
        { x.z = 4; }
      ]; in
      c.x.y == 5 && c.x.z == 8 && throws c.x.w;

    "specialArgs ip and name, extraArgs" =
      let c = nixos [ ({ ip, name, ... }: { environment.etc.ip.text = ip; }) ]; in
      c.networking.hostName == "nixos" && c.environment.etc.ip.text == "10.101.0.2"
      && (evalConfig { modules = [ ({ who, ... }: { networking.hostName = who; }) ]; extraArgs.who = "old"; })
        .config.networking.hostName == "old";

    "hostName: wrapper's mkDefault name, user wins" =
      let
        c = nixos [ ({ name, lib, ... }: { networking.hostName = lib.mkDefault name; }) ];
        u = nixos [ ({ name, lib, ... }: { networking.hostName = lib.mkDefault name; }) { networking.hostName = "mine"; } ];
      in
      c.networking.hostName == "example" && u.networking.hostName == "mine";

    "systemd.services: defaults, mkIf false dropped, only wanted units" =
      let c = nixos [{
        systemd.services.a = { wantedBy = [ "multi-user.target" ]; script = "sleep 1"; };
        systemd.services.b = { script = "true"; }; # nobody wants it
        systemd.services.c = mkIf false { wantedBy = [ "multi-user.target" ]; script = "x"; };
        systemd.services.d = { wantedBy = [ "multi-user.target" ]; enable = false; script = "x"; };
      }]; in
      builtins.attrNames c.systemd.services == [ "a" "b" "d" ]
      && c.systemd.services.a.enable && c.systemd.services.a.path == [ ]
      && builtins.attrNames c.system.build.units == [ "a" ];

    "systemd units rendered as NixOS does" =
      let
        c = nixos [ ({ pkgs, ... }: {
          systemd.services.web = {
            description = "Web";
            wantedBy = [ "multi-user.target" ];
            requiredBy = [ "x.target" ];
            after = [ "network.target" "db.service" ];
            path = [ pkgs.hello ];
            environment.GREETING = "hi there";
            restartTriggers = [ "v1" ];
            preStart = "mkdir -p /var/lib/web";
            script = "exec httpd";
            serviceConfig = { Restart = "always"; ExecStartPre = [ "-/bin/true" ]; PrivateTmp = true; };
            restartIfChanged = false;
          };
          systemd.services.masked.enable = false;
          systemd.services.nightly = { script = "true"; startAt = "daily"; };
          systemd.sockets.web = { wantedBy = [ "sockets.target" ]; listenStreams = [ "80" ]; };
          systemd.targets.mine = { wants = [ "web.service" ]; };
        }) ];
        plain = builtins.unsafeDiscardStringContext;
        text = plain c.systemd.units."web.service".text;
        has = s: lib.hasInfix (plain s) text;
      in
      has "[Unit]\nAfter=network.target db.service\nDescription=Web\n"
      && has "Environment=\"GREETING=hi there\"\n"
      && has "Environment=\"PATH=${(import <nixpkgs> { }).hello}/bin:"
      && has "X-RestartIfChanged=false\n"
      && has "PrivateTmp=true\n" && has "Restart=always\n"
      && builtins.match ".*ExecStart=/nix/store/[a-z0-9]+-unit-script-web-start/bin/web-start \n.*" text != null
      && builtins.match ".*ExecStartPre=/nix/store/[a-z0-9]+-unit-script-web-pre-start/bin/web-pre-start\nExecStartPre=-/bin/true\n.*" text != null
      && has "X-Restart-Triggers=/nix/store/"
      && has "[Install]\nWantedBy=multi-user.target\n"
      && c.systemd.units."web.service".requiredBy == [ "x.target" ]
      && !c.systemd.units."masked.service".enable
      && lib.hasInfix "OnCalendar=daily" c.systemd.units."nightly.timer".text
      && c.systemd.units."nightly.timer".wantedBy == [ "timers.target" ]
      && lib.hasInfix "[Socket]\nListenStream=80\n" c.systemd.units."web.socket".text
      && c.systemd.units."mine.target".text == "[Unit]\nWants=web.service\n";

    "a service with both script and ExecStart is an error" =
      throws (nixos [ { systemd.services.x = { script = "a"; serviceConfig.ExecStart = "/bin/b"; }; } ]).systemd.units."x.service".text;

    "unit store path depends only on the service" =
      let
        svc = { systemd.services.s = { wantedBy = [ "multi-user.target" ]; serviceConfig.ExecStart = "/bin/true"; }; };
        one = nixos [ svc ];
        two = nixos [ svc ({ pkgs, ... }: { environment.systemPackages = [ pkgs.vim ]; networking.hostName = "other"; }) ];
        three = nixos [ svc { systemd.services.s.environment.X = "1"; } ];
      in
      one.system.build.units.s.drvPath == two.system.build.units.s.drvPath
      && one.system.build.units.s.drvPath != three.system.build.units.s.drvPath
      && one.system.build.toplevel.drvPath != two.system.build.toplevel.drvPath;

    "environment.etc: slashes, enable = false, source" =
      let c = nixos [ ({ pkgs, ... }: {
        environment.etc."a/b/c.conf".text = "x";
        environment.etc.off = { text = "y"; enable = false; };
        environment.etc.src.source = pkgs.writeText "src" "z";
      }) ]; in
      isDrvPath c.system.build.etc.drvPath && c.environment.etc.off.enable == false
      && c.environment.etc."a/b/c.conf".text == "x";

    "modulesPath and stub modules import" =
      isDrvPath (nixos [ ({ modulesPath, ... }: {
        imports = [
          "${modulesPath}/virtualisation/container-config.nix"
          (modulesPath + "/profiles/minimal.nix")
          <nixpkgs/nixos/modules/profiles/headless.nix>
          <nixpkgs/nixos/modules/installer/cd-dvd/channel.nix>
        ];
      }) ]).system.build.toplevel.drvPath;

    "assertions throw" =
      throws (nixos [ { assertions = [ { assertion = false; message = "no"; } ]; } ]).system.build.toplevel.drvPath;

    "nixpkgs.overlays reach pkgs" =
      (nixos [ ({ pkgs, ... }: {
        nixpkgs.overlays = [ (final: prev: { myTool = prev.hello; }) ];
        environment.etc.t.text = pkgs.myTool.name;
      }) ]).environment.etc.t.text == "hello-standin";

    "lib basics" =
      lib.nixlxcStandin
      && lib.concatMapStringsSep "," toString [ 1 2 ] == "1,2"
      && lib.splitString "." "a.b.c" == [ "a" "b" "c" ]
      && lib.escapeShellArg "it's" == "'it'\\''s'"
      && lib.removePrefix "ab" "abc" == "c" && lib.removeSuffix "bc" "abc" == "a"
      && lib.toUpper "aB" == "AB" && lib.toLower "aB" == "ab"
      && lib.mapAttrs' (n: v: lib.nameValuePair "x${n}" v) { a = 1; } == { xa = 1; }
      && lib.filterAttrs (n: _: n != "b") { a = 1; b = 2; } == { a = 1; }
      && lib.recursiveUpdate { a.b = 1; a.c = 2; } { a.b = 3; } == { a = { b = 3; c = 2; }; }
      && lib.flatten [ 1 [ 2 [ 3 ] ] ] == [ 1 2 3 ] && lib.unique [ 1 2 1 ] == [ 1 2 ]
      && lib.range 1 3 == [ 1 2 3 ] && lib.last [ 1 2 ] == 2
      && lib.foldr (a: b: a - b) 0 [ 3 2 ] == 1
      && lib.versionAtLeast lib.version "22.05"
      && lib.optionals true [ 1 ] == [ 1 ] && lib.optionalString false "x" == ""
      && lib.makeBinPath [ "/a" "/b" ] == "/a/bin:/b/bin"
      && lib.strings.hasPrefix "a" "ab" && lib.lists.elem 1 [ 1 ] && lib.attrsets.genAttrs [ "a" ] (n: n) == { a = "a"; }
      && lib.trivial.id 1 == 1;

    "pkgs builders evaluate" =
      let pkgs = import <nixpkgs> { }; in
      builtins.all isDrvPath (map (d: d.drvPath) [
        (pkgs.writeText "t" "x")
        (pkgs.writeShellScript "s" "echo ${pkgs.hello}")
        (pkgs.writeShellScriptBin "b" "true")
        (pkgs.runCommand "r" { } "touch $out")
        (pkgs.symlinkJoin { name = "j"; paths = [ pkgs.vim pkgs.htop ]; })
        (pkgs.stdenv.mkDerivation { pname = "p"; version = "1"; installPhase = "mkdir $out"; dontUnpack = true; })
        pkgs.bash pkgs.coreutils pkgs.git pkgs.curl pkgs.less pkgs.wget
      ]) && pkgs.stdenv.lib.nixlxcStandin && pkgs.runtimeShell == "${pkgs.busybox}/bin/sh";

    "nixcloud-container example: vim" = isDrvPath (wrapper ./configs/example-simple.nix).drvPath;
    "nixcloud-container example: autostart" = isDrvPath (wrapper ./configs/example-autostart.nix).drvPath;
    "nixcloud-container example: foobar (missing id_rsa.pub)" = isDrvPath (wrapper ./configs/example-foobar.nix).drvPath;
  };

  check = name:
    let r = builtins.tryEval (builtins.addErrorContext "while checking case `${name}'" cases.${name}); in
    r.success && r.value == true;
  failed = builtins.filter (n: !(check n)) (builtins.attrNames cases);
in
if failed == [ ] then true
else throw "stand-in eval tests failed: ${lib.concatMapStringsSep ", " (n: "`${n}'") failed}"

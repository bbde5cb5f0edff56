# systemd units, as NixOS renders them (nixpkgs' nixos/lib/systemd-lib.nix
# and systemd-unit-options.nix are the reference for the semantics).
#
# systemd.services, .targets, .sockets, .timers, .paths, .slices and .units
# become unit files: `script`, `preStart`, `postStart`, `reload`, `preStop`
# and `postStop` become job scripts named in ExecStart=, ExecStartPre=, ...;
# `path` becomes PATH (with NixOS's default path after it); `environment`
# becomes Environment= lines; `serviceConfig`, `unitConfig`, ... are written
# verbatim; `after`, `wants`, `restartTriggers`, ... become [Unit] keys; and
# `wantedBy`, `requiredBy`, `upheldBy` become .wants, .requires and .upholds
# links. Each unit is a store path of its own (unit-NAME/NAME), so it changes
# exactly when its definition does. Together with the systemd package's own
# units that a container needs (upstreamUnits below) they form
# etc/systemd/system, which activation links to /etc/systemd/system through
# /etc/static, as on NixOS.
#
# With the busybox init (NIXLXC_STANDIN_INIT=busybox) the same services are
# also turned into the busybox supervisor's units (system.build.units).
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types concatStringsSep concatMapStringsSep concatStrings
    escapeShellArg mapAttrsToList filterAttrs optionalString optionalAttrs optional
    hasPrefix removePrefix;

  cfg = config.systemd;
  useSystemd = config.system.standin.init == "systemd";

  # ------------------------------------------------------------ options

  listOpt = mkOption { type = types.listOf types.str; default = [ ]; };
  attrsOpt = mkOption { type = types.attrsOf types.unspecified; default = { }; };
  linesOpt = mkOption { type = types.lines; default = ""; };
  boolOpt = default: mkOption { type = types.bool; inherit default; };

  sharedOptions = {
    enable = boolOpt true;
    wantedBy = listOpt;
    requiredBy = listOpt;
    upheldBy = listOpt;
    aliases = listOpt;
  };
  # startLimitBurst and startLimitIntervalSec are not declared: as in NixOS
  # they are written only when defined (a declaration without a default
  # would make every unit have them).
  commonOptions = sharedOptions // {
    description = mkOption { type = types.str; default = ""; };
    documentation = listOpt;
    requires = listOpt;
    wants = listOpt;
    upholds = listOpt;
    after = listOpt;
    before = listOpt;
    bindsTo = listOpt;
    partOf = listOpt;
    conflicts = listOpt;
    requisite = listOpt;
    onFailure = listOpt;
    onSuccess = listOpt;
    unitConfig = attrsOpt;
    restartTriggers = mkOption { type = types.listOf types.unspecified; default = [ ]; };
    reloadTriggers = mkOption { type = types.listOf types.unspecified; default = [ ]; };
  };
  serviceOptions = commonOptions // {
    environment = attrsOpt;
    path = mkOption { type = types.listOf types.unspecified; default = [ ]; };
    serviceConfig = attrsOpt;
    script = linesOpt;
    scriptArgs = mkOption { type = types.str; default = ""; };
    preStart = linesOpt;
    postStart = linesOpt;
    reload = linesOpt;
    preStop = linesOpt;
    postStop = linesOpt;
    restartIfChanged = boolOpt true;
    reloadIfChanged = boolOpt false;
    stopIfChanged = boolOpt true;
    notSocketActivated = boolOpt false;
    startAt = mkOption { type = types.unspecified; default = [ ]; };
  };
  socketOptions = commonOptions // {
    listenStreams = listOpt;
    listenDatagrams = listOpt;
    socketConfig = attrsOpt;
  };
  timerOptions = commonOptions // { timerConfig = attrsOpt; };
  pathOptions = commonOptions // { pathConfig = attrsOpt; };
  sliceOptions = commonOptions // { sliceConfig = attrsOpt; };
  unitOptions = sharedOptions // {
    text = mkOption { type = types.nullOr types.str; default = null; };
  };

  unitsOf = options: mkOption {
    type = types.attrsOf (types.submodule { inherit options; });
    default = { };
  };

  # ---------------------------------------------------------- rendering

  toOption = x: if x == true then "true" else if x == false then "false" else toString x;
  attrsToSection = as: concatStrings (lib.concatLists (mapAttrsToList
    (name: value: map (x: "${name}=${toOption x}\n") (if builtins.isList value then value else [ value ]))
    as));

  # Store path names allow no @ (template units) or backslashes.
  pathSafe = name: lib.sanitizeDerivationName (builtins.replaceStrings [ "@" ":" "\\" "[" "]" ] [ "-" "-" "-" "" "" ] name);

  makeJobScript = name: text:
    let
      scriptName = builtins.replaceStrings [ "\\" "@" ] [ "-" "_" ] name;
      drv = pkgs.writeTextFile {
        name = "unit-script-${pathSafe scriptName}";
        executable = true;
        destination = "/bin/${scriptName}";
        text = ''
          #!${pkgs.runtimeShell}
          set -e

          ${text}
        '';
      };
    in
    "${drv}/bin/${scriptName}";

  triggers = kind: name: list: "${pkgs.writeText "X-${kind}-Triggers-${pathSafe name}"
    (toString (map (x: if builtins.isPath x then "${x}" else x) (lib.flatten list)))}";

  unitSection = name: def:
    optionalAttrs (def.requires != [ ]) { Requires = toString def.requires; }
    // optionalAttrs (def.wants != [ ]) { Wants = toString def.wants; }
    // optionalAttrs (def.upholds != [ ]) { Upholds = toString def.upholds; }
    // optionalAttrs (def.after != [ ]) { After = toString def.after; }
    // optionalAttrs (def.before != [ ]) { Before = toString def.before; }
    // optionalAttrs (def.bindsTo != [ ]) { BindsTo = toString def.bindsTo; }
    // optionalAttrs (def.partOf != [ ]) { PartOf = toString def.partOf; }
    // optionalAttrs (def.conflicts != [ ]) { Conflicts = toString def.conflicts; }
    // optionalAttrs (def.requisite != [ ]) { Requisite = toString def.requisite; }
    // optionalAttrs (def.restartTriggers != [ ]) { X-Restart-Triggers = triggers "Restart" name def.restartTriggers; }
    // optionalAttrs (def.reloadTriggers != [ ]) { X-Reload-Triggers = triggers "Reload" name def.reloadTriggers; }
    // optionalAttrs (def.description != "") { Description = def.description; }
    // optionalAttrs (def.documentation != [ ]) { Documentation = toString def.documentation; }
    // optionalAttrs (def.onFailure != [ ]) { OnFailure = toString def.onFailure; }
    // optionalAttrs (def.onSuccess != [ ]) { OnSuccess = toString def.onSuccess; }
    // optionalAttrs (def ? startLimitIntervalSec) { StartLimitIntervalSec = toString def.startLimitIntervalSec; }
    // optionalAttrs (def ? startLimitBurst) { StartLimitBurst = toString def.startLimitBurst; }
    // def.unitConfig;

  commonUnitText = name: def: lines:
    "[Unit]\n${attrsToSection (unitSection name def)}\n"
    + lines
    + optionalString (def.wantedBy != [ ]) "\n[Install]\nWantedBy=${concatStringsSep " " def.wantedBy}\n";

  toUnit = def: text: {
    inherit (def) enable wantedBy requiredBy upheldBy aliases;
    inherit text;
  };

  # NixOS's default path for services (stage2ServiceConfig), after the
  # service's own.
  defaultPath = [ pkgs.coreutils pkgs.findutils pkgs.gnugrep pkgs.gnused ]
    ++ optional useSystemd cfg.package;

  # The job scripts a service's script options become, as serviceConfig keys.
  jobScripts = name: def:
    let
      sc = def.serviceConfig;
      list = x: if builtins.isList x then x else [ x ];
      job = suffix: text: makeJobScript "${name}-${suffix}" text;
      single = key: suffix: text:
        if text == "" then { }
        else if sc ? ${key} then throw "systemd.services.${name}: both serviceConfig.${key} and a script option for it are set"
        else { ${key} = job suffix text; };
    in
    optionalAttrs (def.preStart != "") { ExecStartPre = [ (job "pre-start" def.preStart) ] ++ list (sc.ExecStartPre or [ ]); }
    // optionalAttrs (def.postStart != "") { ExecStartPost = [ (job "post-start" def.postStart) ] ++ list (sc.ExecStartPost or [ ]); }
    // (if def.script == "" then { }
        else if sc ? ExecStart then throw "systemd.services.${name}: both serviceConfig.ExecStart and script are set"
        else { ExecStart = job "start" def.script + " " + def.scriptArgs; })
    // single "ExecReload" "reload" def.reload
    // single "ExecStop" "pre-stop" def.preStop
    // single "ExecStopPost" "post-stop" def.postStop;

  serviceText = name: def:
    let
      path = def.path ++ defaultPath;
      env = { PATH = "${lib.makeBinPath path}:${lib.makeSearchPathOutput "bin" "sbin" path}"; }
        // cfg.globalEnvironment // def.environment;
      envLines = concatStrings (map (n:
        optionalString (env.${n} != null) "Environment=${builtins.toJSON "${n}=${env.${n}}"}\n")
        (builtins.attrNames env));
    in
    commonUnitText name def (
      "[Service]\n"
      + envLines
      + (if def.reloadIfChanged then "X-ReloadIfChanged=true\n"
         else if !def.restartIfChanged then "X-RestartIfChanged=false\n" else "")
      + optionalString (!def.stopIfChanged) "X-StopIfChanged=false\n"
      + optionalString def.notSocketActivated "X-NotSocketActivated=true\n"
      + attrsToSection (def.serviceConfig // jobScripts name def));

  withSuffix = suffix: f: defs: lib.listToAttrs (mapAttrsToList
    (n: def: lib.nameValuePair "${n}.${suffix}" (toUnit def (f n def))) defs);

  # Every unit, as systemd.units holds them on NixOS.
  unitsOfConfig =
    withSuffix "service" serviceText cfg.services
    // withSuffix "target" (n: def: "[Unit]\n${attrsToSection (unitSection n def)}") cfg.targets
    // withSuffix "socket" (n: def: commonUnitText n def (
      "[Socket]\n" + attrsToSection def.socketConfig
      + concatMapStringsSep "" (s: "ListenStream=${s}\n") def.listenStreams
      + concatMapStringsSep "" (s: "ListenDatagram=${s}\n") def.listenDatagrams)) cfg.sockets
    // withSuffix "timer" (n: def: commonUnitText n def ("[Timer]\n" + attrsToSection def.timerConfig)) cfg.timers
    // withSuffix "path" (n: def: commonUnitText n def ("[Path]\n" + attrsToSection def.pathConfig)) cfg.paths
    // withSuffix "slice" (n: def: commonUnitText n def ("[Slice]\n" + attrsToSection def.sliceConfig)) cfg.slices;
  allUnits = cfg.units;

  makeUnit = name: unit:
    if unit.enable then
      pkgs.runCommand "unit-${pathSafe name}"
        { text = if unit.text == null then "" else unit.text; passAsFile = [ "text" ]; } ''
        name=${escapeShellArg name}
        mkdir -p "$out"
        cp "$textPath" "$out/$name"
      ''
    else
      pkgs.runCommand "unit-${pathSafe name}-disabled" { } ''
        mkdir -p "$out"
        ln -s /dev/null "$out/"${escapeShellArg name}
      '';

  # The package's units a container needs: NixOS's upstreamSystemUnits, less
  # what has no use in an unprivileged container or needs what the stand-in
  # does not have (udev, logind and the D-Bus services, gettys, kernel
  # modules, hardware, hibernation).
  upstreamUnits = [
    "basic.target" "sysinit.target" "sockets.target" "exit.target" "multi-user.target"
    "network.target" "network-pre.target" "network-online.target" "nss-lookup.target"
    "nss-user-lookup.target" "time-set.target" "time-sync.target" "sigpwr.target"
    "timers.target" "paths.target" "slices.target" "rescue.target" "rescue.service"
    "emergency.target" "emergency.service"
    "systemd-journald.socket" "systemd-journald-dev-log.socket" "systemd-journald.service"
    "systemd-journal-flush.service"
    "local-fs.target" "local-fs-pre.target" "remote-fs.target" "remote-fs-pre.target"
    "swap.target" "umount.target"
    "reboot.target" "systemd-reboot.service" "poweroff.target" "systemd-poweroff.service"
    "halt.target" "systemd-halt.service" "shutdown.target" "final.target" "kexec.target"
    "systemd-kexec.service" "systemd-exit.service"
    "systemd-tmpfiles-setup.service" "systemd-tmpfiles-clean.service" "systemd-tmpfiles-clean.timer"
    "systemd-sysctl.service" "systemd-update-utmp.service" "systemd-user-sessions.service"
    "systemd-machine-id-commit.service"
  ] ++ cfg.additionalUpstreamSystemUnits;
  upstreamWants = [ "sysinit.target.wants" "sockets.target.wants" "local-fs.target.wants" "multi-user.target.wants" "timers.target.wants" ];

  links = kind: concatStrings (mapAttrsToList (name: unit: concatMapStringsSep "" (to: ''
    mkdir -p "$out/"${escapeShellArg "${to}.${kind}"}
    ln -sfn ${escapeShellArg "../${name}"} "$out/"${escapeShellArg "${to}.${kind}"}/
  '') unit.${if kind == "wants" then "wantedBy" else if kind == "requires" then "requiredBy" else "upheldBy"}) allUnits);

  # nixpkgs' generateUnits, in busybox sh.
  generatedUnits = pkgs.runCommand "system-units" { } ''
    mkdir -p $out
    ex=${cfg.package}/example/systemd/system
    for i in ${toString upstreamUnits}; do
      fn=$ex/$i
      [ -e "$fn" ] || { echo "missing $fn" >&2; exit 1; }
      if [ -L "$fn" ]; then
        case "$(readlink "$fn")" in
          ../*) ln -s "$(readlink -f "$fn")" $out/ ;;
          *) cp -P "$fn" $out/ ;;
        esac
      else
        ln -s "$fn" $out/
      fi
    done
    # .wants links, but only those to units taken above.
    for i in ${toString upstreamWants}; do
      fn=$ex/$i
      [ -d "$fn" ] || continue
      x=$out/$i
      mkdir -p "$x"
      for j in "$fn"/*; do
        [ -e "$j" ] || [ -L "$j" ] || continue
        y=$x/''${j##*/}
        cp -P "$j" "$y"
        [ -e "$y" ] || rm "$y"
      done
    done
    # Units of systemd.packages: files are linked, directories (drop-ins
    # such as service.d) are merged file by file.
    for i in ${toString (lib.unique cfg.packages)}; do
      for fn in "$i"/etc/systemd/system/* "$i"/lib/systemd/system/*; do
        [ -e "$fn" ] || [ -L "$fn" ] || continue
        case "$fn" in *.wants) continue ;; esac
        if [ -d "$fn" ]; then
          t=$out/''${fn##*/}
          mkdir -p "$t"
          for f in "$fn"/*; do [ -e "$f" ] && ln -sfn "$f" "$t/"; done
        else
          ln -sfn "$fn" $out/
        fi
      done
    done
    # Units of the configuration: one that the package or a package also
    # provides extends it as a drop-in (overrides.conf); one set to
    # enable = false masks it.
    for i in ${toString (builtins.attrValues (lib.mapAttrs makeUnit allUnits))}; do
      fn=$(cd "$i" && ls -A)
      if [ -e "$out/$fn" ] || [ -L "$out/$fn" ]; then
        if [ "$(readlink -f "$i/$fn")" = /dev/null ]; then
          ln -sfn /dev/null "$out/$fn"
        else
          mkdir -p "$out/$fn.d"
          ln -s "$i/$fn" "$out/$fn.d/overrides.conf"
        fi
      else
        ln -fs "$i/$fn" $out/
      fi
    done
    ${concatStrings (mapAttrsToList (name: unit: concatMapStringsSep "" (alias: ''
      ln -sfn ${escapeShellArg name} "$out/"${escapeShellArg alias}
    '') unit.aliases) allUnits)}
    ${links "wants"}
    ${links "requires"}
    ${links "upholds"}
    ln -s ${escapeShellArg cfg.defaultUnit} $out/default.target
    ln -s ${escapeShellArg cfg.ctrlAltDelUnit} $out/ctrl-alt-del.target
    ln -s rescue.target $out/kbrequest.target
    mkdir -p $out/multi-user.target.wants
    ln -sfn ../remote-fs.target $out/multi-user.target.wants/
  '';

  # ------------------------------------------- the busybox init's units
  #
  # A service gets a unit of the busybox supervisor when it is enabled and
  # wanted by multi-user.target or default.target. A unit directory holds
  # `run` (environment, working directory, preStart, then exec of ExecStart
  # or of `start`, the script), `type` (simple | oneshot), `restart`
  # (always | on-failure | on-success | no) and `restart-sec`.

  toList = x: if builtins.isList x then x else [ x ];
  # systemd command-line prefixes (-, @, +, !, :) have no meaning here.
  stripPrefix = cmd: builtins.head (builtins.match "[-@+!:]*(.*)" cmd);
  seconds = v:
    let m = builtins.match "([0-9]+)s?" (toString v); in
    if m == null then "1" else builtins.head m;

  mkBusyboxUnit = name: svc:
    let
      sc = svc.serviceConfig;
      execStarts = builtins.filter (c: c != "") (map toString (toList (sc.ExecStart or [ ])));
      hasScript = svc.script != "";
      hasStart = execStarts != [ ] || hasScript;
      type = if !hasStart || (sc.Type or "simple") == "oneshot" then "oneshot" else "simple";
      restartSetting = sc.Restart or (if type == "oneshot" then "no" else "always");
      restart =
        if type == "oneshot" then "no"
        else if builtins.elem restartSetting [ "always" "no" "on-failure" "on-success" ] then restartSetting
        else if builtins.elem restartSetting [ "on-abnormal" "on-abort" "on-watchdog" ] then "on-failure"
        else "always";

      out = builtins.placeholder "out";
      binPath = concatMapStringsSep ":" (p: "${p}/bin:${p}/sbin") svc.path;
      envLines = mapAttrsToList
        (n: v: "export ${n}=${escapeShellArg (if builtins.isList v then concatStringsSep ":" (map toString v) else toString v)}")
        (filterAttrs (_: v: v != null) svc.environment);
      envFiles = map (f:
        let optional' = hasPrefix "-" f; file = removePrefix "-" f; in
        if optional' then "if [ -r ${escapeShellArg file} ]; then set -a; . ${escapeShellArg file}; set +a; fi"
        else "set -a; . ${escapeShellArg file} || exit 1; set +a")
        (map toString (toList (sc.EnvironmentFile or [ ])));
      scEnv = map (kv: "export ${escapeShellArg kv}") (map toString (toList (sc.Environment or [ ])));
      preCmds = map (c:
        if hasPrefix "-" c then "${stripPrefix c} || true"
        else "${stripPrefix c} || exit $?")
        (map toString (toList (sc.ExecStartPre or [ ])));

      run = ''
        #!${pkgs.busybox}/bin/sh
        # Service ${name} (nixlxc stand-in unit).
        export PATH=${escapeShellArg (optionalString (binPath != "") "${binPath}:" + "${pkgs.busybox}/bin:/run/current-system/sw/bin")}
        ${concatStringsSep "\n" (scEnv ++ envLines ++ envFiles)}
        ${optionalString (sc ? WorkingDirectory) "cd ${escapeShellArg (removePrefix "-" (toString sc.WorkingDirectory))} || exit 200"}
        ${optionalString (svc.preStart != "") "${out}/pre-start || exit $?"}
        ${concatStringsSep "\n" preCmds}
        ${if execStarts != [ ] then "exec ${stripPrefix (lib.last execStarts)}"
          else if hasScript then "exec ${out}/start"
          else "exit 0"}
      '';
      script = text: ''
        #!${pkgs.busybox}/bin/sh
        set -e
        ${text}
      '';
    in
    pkgs.runCommand "unit-${lib.sanitizeDerivationName name}"
      {
        inherit run type restart;
        restartSec = seconds (sc.RestartSec or 1);
        start = script svc.script;
        preStart = script svc.preStart;
        passAsFile = [ "run" "start" "preStart" ];
      } ''
      mkdir -p $out
      cp "$runPath" $out/run
      ${optionalString (execStarts == [ ] && hasScript) ''cp "$startPath" $out/start''}
      ${optionalString (svc.preStart != "") ''cp "$preStartPath" $out/pre-start''}
      chmod 0555 $out/*
      echo "$type" > $out/type
      echo "$restart" > $out/restart
      echo "$restartSec" > $out/restart-sec
    '';

  wantedAtBoot = svc: svc.enable
    && builtins.any (t: t == "multi-user.target" || t == "default.target") svc.wantedBy;
in
{
  options.systemd = {
    package = mkOption { type = types.package; default = pkgs.systemd; };
    services = unitsOf serviceOptions;
    targets = unitsOf commonOptions;
    sockets = unitsOf socketOptions;
    timers = unitsOf timerOptions;
    paths = unitsOf pathOptions;
    slices = unitsOf sliceOptions;
    units = unitsOf unitOptions;
    packages = mkOption { type = types.listOf types.package; default = [ ]; };
    globalEnvironment = attrsOpt;
    defaultUnit = mkOption { type = types.str; default = "multi-user.target"; };
    ctrlAltDelUnit = mkOption { type = types.str; default = "reboot.target"; };
    extraConfig = linesOpt;
    additionalUpstreamSystemUnits = listOpt;
    tmpfiles.rules = listOpt;
  };

  config = lib.mkMerge [
    {
      # name -> unit directory, for the busybox init's services.
      system.build.units = builtins.mapAttrs mkBusyboxUnit (filterAttrs (_: wantedAtBoot) cfg.services);
    }
    (lib.mkIf useSystemd {
      system.build.systemdUnits = generatedUnits;
      systemd.units = unitsOfConfig;

      # A service's startAt is a timer of the same name.
      systemd.timers = lib.mapAttrs (_: def: {
        wantedBy = [ "timers.target" ];
        timerConfig.OnCalendar = def.startAt;
      }) (filterAttrs (_: def: def.enable && def.startAt != [ ] && def.startAt != "") cfg.services);

      # NixOS's: switch-to-configuration restarts it to restart the units
      # ordered before sysinit.target.
      systemd.targets.sysinit-reactivation.description = "Reactivate sysinit units";

      # The journal keeps the boot across restarts (systemd's tmpfiles
      # configuration does this on NixOS).
      systemd.tmpfiles.rules = [ "d /var/log/journal 0755 root root -" ];

      environment.etc = {
        "systemd/system".source = generatedUnits;
        "systemd/system.conf".text = ''
          [Manager]
          ${cfg.extraConfig}
        '';
        "tmpfiles.d/00-nixos.conf".text = ''
          # Generated from systemd.tmpfiles.rules.
          ${concatStringsSep "\n" cfg.tmpfiles.rules}
        '';
      };
    })
  ];
}

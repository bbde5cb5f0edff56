# The module system: properties (mkIf, mkMerge, mkOverride, mkOrder) and
# evalModules, written with builtins only.
#
# Unlike NixOS it needs no option declarations: definitions are merged by
# their shape (see mergeAt). Declarations, where a module gives them, add
# their `default` (at mkOptionDefault priority), `type` and `apply`.
#
# Laziness matters as much as in NixOS: properties are pushed down into
# attribute sets WITHOUT forcing mkIf conditions (so `config = mkIf
# config.foo.enable { ... }` works), and a value is only forced when someone
# reads it (so definitions of options nothing reads are never evaluated).
{ lib }:
let
  inherit (builtins)
    isAttrs isList isString isFunction isPath length head tail elem filter
    concatMap concatLists concatStringsSep foldl' all any attrNames mapAttrs
    zipAttrsWith functionArgs genericClosure removeAttrs sort toJSON;

  # ---------------------------------------------------------------- properties

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOrder = priority: content: { _type = "order"; inherit priority content; };

  defaultOverridePriority = 100;
  defaultOrderPriority = 1000;

  propType = v: if isAttrs v then v._type or null else null;

  # ------------------------------------------------------------------- helpers

  showPath = path: concatStringsSep "."
    (map (n: if builtins.match "[a-zA-Z_][a-zA-Z0-9_'-]*" n != null then n else toJSON n) path);

  # A short rendering of a definition value for error messages. It never
  # forces more than a few levels, so it cannot itself fail on lazy junk.
  showValue = depth: v:
    if isString v || builtins.isInt v || builtins.isBool v || builtins.isFloat v || v == null then toJSON v
    else if isPath v then toString v
    else if isFunction v then "<function>"
    else if isList v then
      if depth <= 0 then "[ ... ]"
      else "[ " + concatStringsSep " " (map (showValue (depth - 1)) (lib.lists.take 4 v))
        + (if length v > 4 then " ... ]" else " ]")
    else if (v.type or null) == "derivation" then "<derivation ${v.name or "?"}>"
    else if depth <= 0 then "{ ... }"
    else "{ " + concatStringsSep " " (map (n: "${n} = ${showValue (depth - 1) v.${n}};") (attrNames v)) + " }";

  # Options whose string definitions are joined with newlines even when no
  # module declared them as `types.lines` (they are `lines` in NixOS).
  linesOptionNames = [
    "script" "preStart" "postStart" "preStop" "postStop" "reload" "text"
    "extraConfig" "extraSystemBuilderCmds" "shellInit" "interactiveShellInit"
    "loginShellInit" "extraCommands" "extraStopCommands" "extraHosts"
    "postBootCommands" "userActivationScripts"
  ];

  isOptionDecl = x: isAttrs x && (x._type or null) == "option";

  # ---------------------------------------------------------- property logic

  # Does a definition describe an attribute set (to be merged attribute by
  # attribute)? Looks through properties without forcing mkIf conditions.
  # Derivations, paths-as-sets (outPath) and other `_type`d values are leaves.
  isSetDefinition = v:
    let t = propType v; in
    if !isAttrs v then false
    else if t == "if" || t == "override" || t == "order" then isSetDefinition v.content
    else if t == "merge" then all isSetDefinition v.contents
    else t == null && !(v ? outPath);

  # NixOS pushDownProperties: turn `mkIf c { a = x; }` into `{ a = mkIf c x; }`
  # (likewise for overrides), flattening mkMerge. Conditions stay unforced.
  pushDown = v:
    let t = propType v; in
    if t == "merge" then concatMap pushDown v.contents
    else if t == "if" then map (mapAttrs (_: mkIf v.condition)) (pushDown v.content)
    else if t == "override" then map (mapAttrs (_: mkOverride v.priority)) (pushDown v.content)
    else if t == "order" then pushDown v.content
    else [ v ];

  # NixOS dischargeProperties + priorities: a definition becomes a list of
  # { prio; order; value; } (mkIf false -> nothing; mkMerge -> several).
  # This forces mkIf conditions, so it is only used on values someone reads.
  # With nested overrides the innermost (most specific) priority wins.
  discharge = v: dischargeWith null defaultOrderPriority v;
  dischargeWith = prio: order: v:
    let t = propType v; in
    if t == "merge" then concatMap (dischargeWith prio order) v.contents
    else if t == "if" then
      if v.condition then dischargeWith prio order v.content else [ ]
    else if t == "override" then dischargeWith v.priority order v.content
    else if t == "order" then dischargeWith prio v.priority v.content
    else [{ prio = if prio == null then defaultOverridePriority else prio; inherit order; value = v; }];

  # Discharge a list of { file; value; } definitions and keep only the ones
  # with the highest priority (lowest number), sorted by mkOrder.
  effectiveDefs = defs:
    let
      all' = concatMap (d: map (x: x // { inherit (d) file; }) (discharge d.value)) defs;
      best = foldl' (m: d: if m == null || d.prio < m then d.prio else m) null all';
      kept = filter (d: d.prio == best) all';
    in
    sort (a: b: a.order < b.order) kept;

  # -------------------------------------------------------------- merging

  # Merge the definitions found at `path`. `decl` is the option declaration
  # or declaration namespace at this path (or null).
  mergeAt = path: decl: defs:
    if isOptionDecl decl then mergeOption path decl defs
    # _module.args.<name> values are used as they are (e.g. the whole pkgs set).
    else if length path == 3 && head path == "_module" && builtins.elemAt path 1 == "args"
    then mergeLeaf path null defs
    else if all (d: isSetDefinition d.value) defs
    then mergeSet path (n: if isAttrs decl then decl.${n} or null else null) false defs
    else mergeLeaf path null defs;

  # Merge definitions that are all attribute sets, name by name, lazily: the
  # names are known without forcing any value or condition.
  # dropEmpty (attrsOf semantics): leave out names whose definitions are all
  # disabled (this forces the mkIf conditions at that level, as NixOS does).
  mergeSet = path: childDecl: dropEmpty: defs:
    let
      pushed = concatMap (d: map (value: { inherit (d) file; inherit value; }) (pushDown d.value)) defs;
      byName = zipAttrsWith (_: ds: ds)
        (map (d: mapAttrs (_: value: { inherit (d) file; inherit value; }) d.value) pushed);
      kept = if dropEmpty
        then lib.attrsets.filterAttrs (_: any (d: discharge d.value != [ ])) byName
        else byName;
    in
    mapAttrs (n: mergeAt (path ++ [ n ]) (childDecl n)) kept;

  # A declared option: the type decides how to merge and checks the result
  # (NixOS's error when it fails); `apply` post-processes.
  mergeOption = path: opt: defs:
    let
      type = opt.type or null;
      tname = type.name or null;
      # Set-valued types: resolve priorities of whole definitions first (as
      # NixOS does for an option), then merge the winners attribute by attribute.
      setDefs = map (d: { inherit (d) file value; }) (effectiveDefs defs);
      setValued = all (d: isAttrs d.value && !(d.value ? outPath) && propType d.value == null) setDefs;
      value =
        if (tname == "attrsOf" || tname == "lazyAttrsOf") && setValued then
          mergeSet path (_: { _type = "option"; type = type.elemType; }) (tname == "attrsOf") setDefs
        else if tname == "submodule" && setValued then mergeSubmodule path type setDefs
        else mergeLeaf path type defs;
      checked =
        if type == null || (type.check or (_: true)) value then value
        else throw ("A definition for option `${showPath path}' is not of type `${type.description or type.name or "?"}'. Definition values:"
          + concatStringsSep "" (map (d: "\n- In `${d.file}': ${showValue 2 d.value}") (effectiveDefs defs)));
    in
    if opt ? apply then opt.apply checked else checked;

  # A submodule value: its static sub-option declarations add their defaults.
  mergeSubmodule = path: type: defs:
    let subOptions = type.subOptions or { }; in
    mergeSet path (n: subOptions.${n} or null) false
      (defs ++ [{ file = "<submodule defaults>"; value = optionDefaults subOptions; }]);

  # A leaf: highest-priority definitions, then lists concatenate, `lines`
  # strings join, equal values collapse, anything else is a conflict.
  mergeLeaf = path: type: defs:
    let
      eff = effectiveDefs defs;
      values = map (d: d.value) eff;
      name = lib.lists.last path;
      separator =
        type.separator or type.elemType.separator or
          (if elem name linesOptionNames then "\n" else null);
    in
    if eff == [ ] then throw "The option `${showPath path}' is used but not defined."
    else if length values == 1 then head values
    else if all isList values then concatLists values
    else if separator != null && all isString values then concatStringsSep separator values
    else if all (v: v == head values) (tail values) then head values
    else throw ("The option `${showPath path}' has conflicting definition values:"
      + concatStringsSep "" (map (d: "\n- In `${d.file}': ${showValue 2 d.value}") eff)
      + "\nUse `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.");

  # ------------------------------------------------------------ declarations

  # A module's `options` tree as definitions: every declared default becomes
  # a definition at mkOptionDefault priority (1500).
  optionDefaults = opts:
    if isOptionDecl opts then
      (if opts ? default then mkOverride 1500 opts.default else mkMerge [ ])
    else if isAttrs opts then mapAttrs (_: optionDefaults) opts
    else { };

  # Several modules may declare the same option (typically to extend a
  # submodule, e.g. systemd.services): merge their types' sub-options.
  mergeDecls = decls:
    let opts = filter isOptionDecl decls; in
    if opts == [ ] then zipAttrsWith (_: mergeDecls) (filter isAttrs decls)
    else if length opts == 1 then head opts
    else head opts // { type = mergeTypes (map (o: o.type or null) opts); };
  mergeTypes = ts:
    let
      ts' = filter (t: t != null) ts;
      names = map (t: t.name or null) ts';
    in
    if ts' == [ ] then null
    else if all (n: n == "submodule") names then
      head ts' // { subOptions = foldl' lib.attrsets.recursiveUpdate { } (map (t: t.subOptions or { }) ts'); }
    else if all (n: n == "attrsOf" || n == "lazyAttrsOf") names then
      head ts' // { elemType = mergeTypes (map (t: t.elemType or null) ts'); }
    else head ts';

  # ------------------------------------------------------------------ modules

  # Normalise a module (after calling it, if it is a function) to
  # { _file; key; imports; disabledModules; options; config; }.
  unifyModule = file: key: m:
    let
      common = {
        _file = m._file or file;
        key = toString (m.key or key);
        imports = (m.imports or [ ]) ++ (m.require or [ ]);
        disabledModules = m.disabledModules or [ ];
      };
    in
    if !isAttrs m then throw "The module ${file} does not evaluate to a function or an attribute set."
    else if m ? config || m ? options then
      common // { options = m.options or { }; config = m.config or { }; }
    else
      common // {
        options = { };
        config = removeAttrs m [ "_file" "key" "imports" "require" "disabledModules" "freeformType" "_class" ];
      };

  # Call a module function like NixOS: every argument it names that is not a
  # standard one comes from config._module.args (evaluated lazily, so
  # `_module.args.foo = ...` in a module can feed another module's `foo`).
  applyModuleArgs = f: args:
    let extra = mapAttrs (n: _: args.config._module.args.${n}) (removeAttrs (functionArgs f) (attrNames args)); in
    f (args // extra);

  # Paths (and absolute path strings like "${modulesPath}/x.nix") are keyed by
  # their file name, so a module imported twice is used once.
  loadModule = args: parentFile: fallbackKey: m:
    let
      isFile = isPath m || (isString m && lib.strings.hasPrefix "/" m);
      file = if isFile then toString m else parentFile;
      key = if isFile then toString m else fallbackKey;
      value = if isFile then import m else m;
      called = if isFunction value then applyModuleArgs value args else value;
    in
    unifyModule file key called;

  evalModules =
    { modules
    , specialArgs ? { }
    , args ? { } # old interface: extra _module.args
    , prefix ? [ ]
    , check ? true
    , ...
    }@evalArgs:
    let
      # Always present, so `config._module.args` exists even if unused.
      internalModule = {
        _file = "<nixlxc-standin internal>";
        key = "<nixlxc-standin internal>";
        config._module.args = args;
        config._module.check = mkOverride 1500 check;
      };
      allModules = [ internalModule ] ++ modules;

      moduleArgs = { inherit lib config options; } // specialArgs;

      loadList = parentFile: parentKey: list:
        lib.lists.imap1 (i: loadModule moduleArgs parentFile "${parentKey}:anon-${toString i}") list;
      closure = genericClosure {
        startSet = loadList "<unknown-file>" "" allModules;
        operator = m: loadList m._file m.key m.imports;
      };

      # disabledModules: paths, or names relative to modulesPath.
      disabledKeys = map
        (d: if isPath d || lib.strings.hasPrefix "/" (toString d) then toString d
            else "${toString (specialArgs.modulesPath or "")}/${d}")
        (concatMap (m: m.disabledModules) closure);
      collected = filter (m: !(elem m.key disabledKeys)) closure;

      options = mergeDecls (map (m: m.options) collected);
      defs = concatMap (m: [
        { file = m._file; value = m.config; }
        { file = m._file; value = optionDefaults m.options; }
      ]) collected;
      config = mergeSet [ ] (n: options.${n} or null) false defs;
    in
    {
      inherit config options;
      _module = config._module;
      extendModules = { modules ? [ ], specialArgs ? { }, ... }:
        evalModules (evalArgs // {
          modules = evalArgs.modules ++ modules;
          specialArgs = (evalArgs.specialArgs or { }) // specialArgs;
        });
      type = lib.types.submodule { };
    };

  # Modules that rename or remove options: accepted and ignored.
  ignoredModule = { };
in
{
  inherit mkIf mkMerge mkOverride mkOrder evalModules showPath
    defaultOverridePriority defaultOrderPriority;
  defaultPriority = defaultOverridePriority;
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;
  mkFixStrictness = x: x;
  mkAssert = assertion: message: content: if assertion then content else throw message;

  # Exposed for tests and for curious callers.
  mergeDefinitions = path: defs: mergeAt path null defs;

  mkRemovedOptionModule = _: _: ignoredModule;
  mkRenamedOptionModule = _: _: ignoredModule;
  mkRenamedOptionModuleWith = _: ignoredModule;
  mkMergedOptionModule = _: _: _: ignoredModule;
  mkChangedOptionModule = _: _: _: ignoredModule;
  mkAliasOptionModule = _: _: ignoredModule;
}

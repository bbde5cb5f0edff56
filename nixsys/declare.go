package nixsys

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nixlxc/nixlxc/spec"
)

// Declarations reads every container of a declaration file (nixlxc apply):
// the settings of each as a container file's, and what only apply uses.
// Nothing of the containers' configurations is evaluated. When one
// container's declaration does not evaluate (its config file is missing,
// say), each is read alone: that one carries its error, the others are
// read all the same. A file that does not evaluate at all is the error.
//
// The declaration is evaluated in restricted mode, as a config file is
// (see restricted): first with its own directory only, for the directories
// of the config files it names, and then with those too. Each container's
// ConfigDir is what its builds may read besides its container file.
func (n Nix) Declarations(ctx context.Context, file string) (map[string]spec.DeclEvaluated, error) {
	dir, err := n.ensureExprs()
	if err != nil {
		return nil, err
	}
	eval := func(n Nix, expr string, args ...string) (string, error) {
		a := append([]string{"--eval", "--strict", "--json", filepath.Join(dir, expr), "--argstr", "file", file}, args...)
		return n.run(ctx, "reading "+file, "nix-instantiate", append(a, n.restricted(dir, file)...)...)
	}
	out, err := eval(n, "declared-dirs.nix")
	if err != nil {
		return nil, err
	}
	var dirs map[string]*string
	if err := json.Unmarshal([]byte(out), &dirs); err != nil {
		return nil, fmt.Errorf("reading %s: unexpected output of nix-instantiate: %w", file, err)
	}
	all := n
	all.Allow = append([]string{}, n.Allow...)
	for _, name := range sortedKeys(dirs) {
		if d := dirs[name]; d != nil {
			all.Allow = append(all.Allow, *d)
		}
	}
	read := func(only string) (map[string]spec.DeclEvaluated, error) {
		out, err := eval(all, "declared.nix", "--argstr", "only", only)
		if err != nil {
			return nil, err
		}
		var decls map[string]spec.DeclEvaluated
		if err := json.Unmarshal([]byte(out), &decls); err != nil {
			return nil, fmt.Errorf("reading %s: unexpected output of nix-instantiate: %w", file, err)
		}
		return decls, nil
	}
	decls, whole := read("")
	if whole != nil {
		decls = map[string]spec.DeclEvaluated{}
		for name := range dirs {
			one, err := read(name)
			if err != nil {
				decls[name] = spec.DeclEvaluated{EvalErr: err.Error()}
				continue
			}
			decls[name] = one[name]
		}
	}
	for name, d := range decls {
		if dirs[name] != nil {
			d.ConfigDir = *dirs[name]
			decls[name] = d
		}
	}
	return decls, nil
}

// DeclaredFile is the text of a container file that is container name of
// the declaration file: create and update read it like any other.
func (n Nix) DeclaredFile(file, name string) ([]byte, error) {
	dir, err := n.ensureExprs()
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf("# Written by nixlxc apply: container %s of %s. It is written again at every apply.\nimport %s { file = %s; name = %s; }\n",
		name, file, nixString(filepath.Join(dir, "declared-container.nix")), nixString(file), nixString(name))), nil
}

// nixString quotes s as a Nix string, with nothing interpolated.
func nixString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// Systems evaluates the store paths the builds would make, by name,
// without building: one evaluation for all, so a nixpkgs is read once. It
// is restricted as each build's would be, to all their directories.
func (n Nix) Systems(ctx context.Context, builds map[string]Build) (map[string]string, error) {
	dir, err := n.ensureExprs()
	if err != nil {
		return nil, err
	}
	args := map[string]map[string]string{}
	var files []string
	for _, name := range sortedKeys(builds) {
		b := builds[name]
		files = append(files, b.ConfigFile)
		ns, _ := json.Marshal(append([]string{}, b.Nameservers...))
		args[name] = map[string]string{
			"configFile":      b.ConfigFile,
			"name":            b.Name,
			"ip":              b.IP,
			"settingsJSON":    b.Settings.JSON(),
			"nameserversJSON": string(ns),
			"stateVersion":    b.StateVersion,
		}
	}
	js, _ := json.Marshal(args)
	eval := append([]string{"--eval", "--strict", "--json",
		filepath.Join(dir, "systems.nix"), "--argstr", "buildsJSON", string(js)}, n.restricted(dir, files...)...)
	out, err := n.run(ctx, "evaluating the declared systems", "nix-instantiate", eval...)
	if err != nil {
		return nil, err
	}
	var paths map[string]string
	if err := json.Unmarshal([]byte(out), &paths); err != nil {
		return nil, fmt.Errorf("evaluating the declared systems: unexpected output of nix-instantiate: %w", err)
	}
	return paths, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

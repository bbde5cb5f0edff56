package nixsys

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/nixlxc/nixlxc/spec"
)

// Declarations reads every container of a declaration file (nixlxc apply):
// the settings of each as a container file's, and what only apply uses.
// Nothing of the containers' configurations is evaluated. When one
// container's declaration does not evaluate (its config file is missing,
// say), each is read alone: that one carries its error, the others are
// read all the same. A file that does not evaluate at all is the error.
func (n Nix) Declarations(ctx context.Context, file string) (map[string]spec.DeclEvaluated, error) {
	dir, err := n.ensureExprs()
	if err != nil {
		return nil, err
	}
	read := func(only string) (map[string]spec.DeclEvaluated, error) {
		out, err := n.run(ctx, "reading "+file, "nix-instantiate", "--eval", "--strict", "--json",
			filepath.Join(dir, "declared.nix"), "--argstr", "file", file, "--argstr", "only", only)
		if err != nil {
			return nil, err
		}
		var all map[string]spec.DeclEvaluated
		if err := json.Unmarshal([]byte(out), &all); err != nil {
			return nil, fmt.Errorf("reading %s: unexpected output of nix-instantiate: %w", file, err)
		}
		return all, nil
	}
	all, whole := read("")
	if whole == nil {
		return all, nil
	}
	out, err := n.run(ctx, "reading "+file, "nix-instantiate", "--eval", "--strict", "--json",
		filepath.Join(dir, "declared-names.nix"), "--argstr", "file", file)
	var names []string
	if err != nil || json.Unmarshal([]byte(out), &names) != nil {
		return nil, whole
	}
	all = map[string]spec.DeclEvaluated{}
	for _, name := range names {
		one, err := read(name)
		if err != nil {
			all[name] = spec.DeclEvaluated{EvalErr: err.Error()}
			continue
		}
		all[name] = one[name]
	}
	return all, nil
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
// without building: one evaluation for all, so a nixpkgs is read once.
func (n Nix) Systems(ctx context.Context, builds map[string]Build) (map[string]string, error) {
	dir, err := n.ensureExprs()
	if err != nil {
		return nil, err
	}
	args := map[string]map[string]string{}
	for name, b := range builds {
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
	out, err := n.run(ctx, "evaluating the declared systems", "nix-instantiate", "--eval", "--strict", "--json",
		filepath.Join(dir, "systems.nix"), "--argstr", "buildsJSON", string(js))
	if err != nil {
		return nil, err
	}
	var paths map[string]string
	if err := json.Unmarshal([]byte(out), &paths); err != nil {
		return nil, fmt.Errorf("evaluating the declared systems: unexpected output of nix-instantiate: %w", err)
	}
	return paths, nil
}

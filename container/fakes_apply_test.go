package container

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/nixlxc/nixlxc/bridges"
	"github.com/nixlxc/nixlxc/hostports"
	"github.com/nixlxc/nixlxc/nixsys"
	"github.com/nixlxc/nixlxc/spec"
)

// The fakes' sides for apply (declarations, evaluated systems) and port
// forwards.

// Declarations reads a fake declaration: a JSON object of containers,
// each a fake config file's content (its settings as Nix evaluates them
// and a system word) with apply's own options.
func (f *fakeNix) Declarations(ctx context.Context, file string) (map[string]spec.DeclEvaluated, error) {
	all, err := readFakeDeclaration(file)
	if err != nil {
		return nil, err
	}
	out := map[string]spec.DeclEvaluated{}
	for name, raw := range all {
		var e spec.DeclEvaluated
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, err
		}
		if e.Form == "" {
			e.Form = "attrset"
		}
		e.ConfigDir = "/srv/configs/" + name
		out[name] = e
	}
	return out, nil
}

func readFakeDeclaration(file string) (map[string]json.RawMessage, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, &nixsys.Error{Op: "reading " + file, Stderr: "error: " + err.Error(), Err: err}
	}
	return all, nil
}

// DeclaredFile is the container's entry itself: a fake config file.
func (f *fakeNix) DeclaredFile(file, name string) ([]byte, error) {
	all, err := readFakeDeclaration(file)
	if err != nil {
		return nil, err
	}
	return all[name], nil
}

func (f *fakeNix) Systems(ctx context.Context, builds map[string]nixsys.Build) (map[string]string, error) {
	f.mu.Lock()
	f.evals++
	f.mu.Unlock()
	out := map[string]string{}
	for name, b := range builds {
		p, err := f.pathOf(b)
		if err != nil {
			return nil, err
		}
		out[name] = p
	}
	return out, nil
}

func (f *fakeHost) Forwards(ctx context.Context) (map[string][]bridges.Forward, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	all := map[string][]bridges.Forward{}
	for n, fs := range f.forwards {
		all[n] = fs
	}
	return all, nil
}

// SetForwards refuses a host port (protocol and number) another holds.
func (f *fakeHost) SetForwards(ctx context.Context, name string, fs []bridges.Forward) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.forwards == nil {
		f.forwards, f.rules = map[string][]bridges.Forward{}, map[string]int{}
	}
	for other, gs := range f.forwards {
		for _, g := range gs {
			for _, h := range fs {
				if other != name && g.Protocol == h.Protocol && g.HostPort == h.HostPort && g.Family() == h.Family() {
					return &bridges.ConflictError{Port: h.Port(), Owner: other}
				}
			}
		}
	}
	if len(fs) == 0 {
		delete(f.forwards, name)
		delete(f.rules, name)
		return nil
	}
	f.forwards[name] = fs
	f.rules[name] = len(fs) * bridges.RulesPerForward
	return nil
}

func (f *fakeHost) ClearForwards(ctx context.Context, name string) error {
	return f.SetForwards(ctx, name, nil)
}

func (f *fakeHost) ForwardRules() (map[string]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for n, c := range f.rules {
		out[n] = c
	}
	return out, nil
}

// pathOf is where a build's system goes: it follows the config file's
// system word, the settings and the address.
func (f *fakeNix) pathOf(b nixsys.Build) (string, error) {
	file := b.ConfigFile
	if b.Flake != "" {
		file = fakeFlakeFile(b.Flake)
	}
	c, err := readFakeConfig(file)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(b.Name + "\x00" + c.System + "\x00" + b.Settings.JSON() + "\x00" + b.IP))
	return filepath.Join(f.store, hex.EncodeToString(sum[:10])+"-nixos-system-"+b.Name), nil
}

func (f *fakeHost) HostAddresses() ([]bridges.LinkAddress, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addresses, nil
}

func (f *fakeHost) Listeners() ([]hostports.Listener, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listeners, nil
}

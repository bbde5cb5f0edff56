package nixsys

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// What a flake makes Nix read from the host's file system, before Nix reads
// it: Nix fetches a flake's inputs (path:/etc, git+file:///repo,
// file:///etc/shadow) into the world-readable store as root, outside
// restricted mode, whatever restricted mode says about evaluation. This
// file is the pure part: reading flake.nix's literal inputs, the lock
// file's nodes, and telling a local input (and its host path) from a remote
// or registry one.

// input is one input of a flake.nix, as Nix 2.8's parseFlakeInput reads
// it: a URL, or attributes with a type, or neither (follows, or the
// registry entry of its name), and inputs of its own that override its
// flake's.
type input struct {
	name    string
	url     string
	attrs   map[string]string // the flake reference's attributes (type = ...)
	follows bool
	noFlake bool // flake = false
	inputs  []input
}

// source is where an input's files come from.
type source struct {
	local bool   // read from the host's file system
	path  string // the host path (relative to the flake's directory if not absolute)
	dir   string // the flake's directory inside path (dir=)
}

// ref is how an input is written, for messages.
func (in input) ref() string {
	if in.url != "" {
		return in.url
	}
	var parts []string
	for _, k := range sortedKeys(in.attrs) {
		parts = append(parts, k+"="+in.attrs[k])
	}
	return "{ " + strings.Join(parts, "; ") + " }"
}

// source classifies the input: a URL, else its attributes, else (follows,
// or the registry entry of its name) nothing of the host's.
func (in input) source() (source, error) {
	switch {
	case in.attrs["type"] != "":
		return attrsSource(in.attrs)
	case in.url != "":
		return urlSource(in.url)
	}
	return source{}, nil
}

// remoteSchemes are the URL schemes that fetch over the network (or from
// the admin's registry): they read no host file.
var remoteSchemes = map[string]bool{
	"flake": true, "github": true, "gitlab": true, "sourcehut": true,
	"http": true, "https": true,
	"git+http": true, "git+https": true, "git+ssh": true, "git+git": true, "git": true, "ssh": true,
	"hg+http": true, "hg+https": true, "hg+ssh": true,
	"tarball+http": true, "tarball+https": true, "file+http": true, "file+https": true,
}

// indirectRef is Nix's bare registry reference (nixpkgs, nixpkgs/branch).
var indirectRef = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]*(/[a-zA-Z0-9._-]+)?(/[0-9a-f]{40})?$`)
})

// urlSource classifies a flake reference URL as Nix 2.8 parses it: a
// registry name, a bare path (/abs, ./rel), or SCHEME:..., where path:,
// file: and any scheme carried over file (git+file:, hg+file:,
// tarball+file:, file+file:) read the host.
func urlSource(ref string) (source, error) {
	ref, _, _ = strings.Cut(ref, "#")
	rest, query, _ := strings.Cut(ref, "?")
	dir, err := dirParam(query)
	if err != nil {
		return source{}, err
	}
	if indirectRef().MatchString(rest) {
		return source{}, nil
	}
	scheme, body, hasScheme := strings.Cut(rest, ":")
	if !hasScheme || strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, ".") {
		// A bare path, however it looks otherwise.
		p, err := url.PathUnescape(rest)
		if err != nil {
			return source{}, fmt.Errorf("unreadable path %q: %v", rest, err)
		}
		return source{local: true, path: p, dir: dir}, nil
	}
	scheme = strings.ToLower(scheme)
	transport := scheme
	if _, t, ok := strings.Cut(scheme, "+"); ok {
		transport = t
	}
	switch {
	case scheme == "path" || transport == "file":
		p, err := fileURLPath(body)
		if err != nil {
			return source{}, err
		}
		return source{local: true, path: p, dir: dir}, nil
	case remoteSchemes[scheme]:
		return source{}, nil
	}
	return source{}, fmt.Errorf("unknown input scheme %q", scheme)
}

// fileURLPath is the host path of a file: or path: URL's body
// (///abs, //localhost/abs, /abs, rel), decoded as Nix decodes it.
func fileURLPath(body string) (string, error) {
	if strings.HasPrefix(body, "//") {
		authority, p, _ := strings.Cut(body[2:], "/")
		if authority != "" && authority != "localhost" {
			return "", fmt.Errorf("a file URL with host %q", authority)
		}
		body = "/" + p
	}
	p, err := url.PathUnescape(body)
	if err != nil {
		return "", fmt.Errorf("unreadable path %q: %v", body, err)
	}
	if p == "" {
		return "", fmt.Errorf("no path")
	}
	return p, nil
}

// dirParam is a reference's dir= (the flake's directory inside its
// source), which must stay inside the source.
func dirParam(query string) (string, error) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("unreadable query %q: %v", query, err)
	}
	return checkDir(q.Get("dir"))
}

func checkDir(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	c := filepath.Clean(dir)
	if filepath.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("dir=%s leaves its source", dir)
	}
	return c, nil
}

// attrsSource classifies a flake reference given as attributes (a lock
// file's nodes always are; flake.nix may be).
func attrsSource(a map[string]string) (source, error) {
	dir, err := checkDir(a["dir"])
	if err != nil {
		return source{}, err
	}
	switch t := a["type"]; t {
	case "indirect", "github", "gitlab", "sourcehut":
		return source{}, nil
	case "path":
		if a["path"] == "" {
			return source{}, fmt.Errorf("a path input without a path")
		}
		return source{local: true, path: a["path"], dir: dir}, nil
	case "git", "hg", "tarball", "file":
		u := a["url"]
		s, err := urlSource(u)
		if err != nil {
			return s, err
		}
		if !s.local && (strings.HasPrefix(u, "flake:") || indirectRef().MatchString(u)) {
			// Not a registry name here: a URL Nix hands to git or curl.
			return source{}, fmt.Errorf("a %s input with URL %q", t, u)
		}
		s.dir = dir
		return s, nil
	default:
		return source{}, fmt.Errorf("unknown input type %q", t)
	}
}

// lockNode is the part of a flake.lock node that says where it comes from.
type lockNode struct {
	Locked   map[string]any `json:"locked"`
	Original map[string]any `json:"original"`
	Flake    *bool          `json:"flake"`
}

// lockInputs are the nodes of a flake.lock, locked and original alike,
// as inputs (a node unused by the flake.nix of today is still read by
// nothing, but checking it costs nothing and a stale node may be used
// again).
func lockInputs(data []byte) ([]input, error) {
	var lock struct {
		Nodes map[string]lockNode `json:"nodes"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("unreadable flake.lock: %v", err)
	}
	var out []input
	for _, n := range sortedKeys(lock.Nodes) {
		node := lock.Nodes[n]
		for _, attrs := range []map[string]any{node.Locked, node.Original} {
			if attrs == nil {
				continue
			}
			in := input{name: n, attrs: map[string]string{}, noFlake: node.Flake != nil && !*node.Flake}
			for k, v := range attrs {
				in.attrs[k] = fmt.Sprint(v)
			}
			if in.attrs["type"] == "" {
				return nil, fmt.Errorf("flake.lock node %s has no type", n)
			}
			out = append(out, in)
		}
	}
	return out, nil
}

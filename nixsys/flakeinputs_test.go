package nixsys

import (
	"testing"
)

func TestURLSource(t *testing.T) {
	for _, c := range []struct {
		url   string
		local bool
		path  string
		dir   string
		bad   bool
	}{
		{url: "github:NixOS/nixpkgs/nixos-25.05"},
		{url: "git+https://example.org/r.git?ref=main"},
		{url: "https://example.org/x.tar.gz"},
		{url: "nixpkgs"},
		{url: "nixpkgs/nixos-25.05"},
		{url: "flake:nixpkgs"},
		{url: "path:/etc", local: true, path: "/etc"},
		{url: "path:///etc", local: true, path: "/etc"},
		{url: "path:%2Fetc", local: true, path: "/etc"},
		{url: "path:./sub?dir=x", local: true, path: "./sub", dir: "x"},
		{url: "/etc", local: true, path: "/etc"},
		{url: "./sub", local: true, path: "./sub"},
		{url: "../up", local: true, path: "../up"},
		{url: "git+file:///srv/repo?ref=main", local: true, path: "/srv/repo"},
		{url: "git+file://localhost/srv/repo", local: true, path: "/srv/repo"},
		{url: "hg+file:///srv/repo", local: true, path: "/srv/repo"},
		{url: "file:///etc/shadow", local: true, path: "/etc/shadow"},
		{url: "tarball+file:///tmp/x.tar.gz", local: true, path: "/tmp/x.tar.gz"},
		{url: "file+file:///etc/shadow", local: true, path: "/etc/shadow"},
		{url: "FILE:///etc/shadow", local: true, path: "/etc/shadow"},
		{url: "git+file://otherhost/srv", bad: true},
		{url: "path:/x?dir=../..", bad: true},
		{url: "path:/x?dir=/etc", bad: true},
		{url: "weird:/etc", bad: true},
	} {
		s, err := urlSource(c.url)
		if (err != nil) != c.bad {
			t.Errorf("%s: err %v, want bad %v", c.url, err, c.bad)
			continue
		}
		if s.local != c.local || s.path != c.path || s.dir != c.dir {
			t.Errorf("%s: got %+v, want local %v path %q dir %q", c.url, s, c.local, c.path, c.dir)
		}
	}
}

func TestAttrsSource(t *testing.T) {
	for _, c := range []struct {
		attrs map[string]string
		local bool
		path  string
		bad   bool
	}{
		{attrs: map[string]string{"type": "github", "owner": "a", "repo": "b"}},
		{attrs: map[string]string{"type": "indirect", "id": "nixpkgs"}},
		{attrs: map[string]string{"type": "path", "path": "/etc"}, local: true, path: "/etc"},
		{attrs: map[string]string{"type": "git", "url": "file:///srv/r"}, local: true, path: "/srv/r"},
		{attrs: map[string]string{"type": "git", "url": "/srv/r"}, local: true, path: "/srv/r"},
		{attrs: map[string]string{"type": "git", "url": "https://x/r"}},
		{attrs: map[string]string{"type": "tarball", "url": "file:///t.tgz"}, local: true, path: "/t.tgz"},
		{attrs: map[string]string{"type": "file", "url": "file:///etc/shadow"}, local: true, path: "/etc/shadow"},
		{attrs: map[string]string{"type": "git", "url": "nixpkgs"}, bad: true},
		{attrs: map[string]string{"type": "path"}, bad: true},
		{attrs: map[string]string{"type": "path", "path": "/x", "dir": "../.."}, bad: true},
		{attrs: map[string]string{"type": "mercurial"}, bad: true},
	} {
		s, err := attrsSource(c.attrs)
		if (err != nil) != c.bad {
			t.Errorf("%v: err %v, want bad %v", c.attrs, err, c.bad)
			continue
		}
		if s.local != c.local || s.path != c.path {
			t.Errorf("%v: got %+v, want local %v path %q", c.attrs, s, c.local, c.path)
		}
	}
}

func TestParsedInputs(t *testing.T) {
	// As nix-instantiate --parse prints flake.nix.
	ins, err := parsedInputs(`{ description = "x \"}; inputs = { a = { url = \"path:/etc\"; }; }"; inputs = { a = { url = "path:/etc"; }; b-c = { flake = false; inputs = { d = { follows = "a"; }; e = { url = "file:///x"; }; }; url = "github:x/y"; }; s = { path = "/srv"; type = "path"; }; }; outputs = ({ self, ... } @ args: (let x = ("foo " + self + " \"; }\n"); in { y = [ (1) (/tmp/x) ]; })); }`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 3 || ins[0].url != "path:/etc" || ins[1].name != "b-c" || !ins[1].noFlake ||
		len(ins[1].inputs) != 2 || !ins[1].inputs[0].follows || ins[1].inputs[1].url != "file:///x" ||
		ins[2].attrs["type"] != "path" || ins[2].attrs["path"] != "/srv" {
		t.Errorf("got %+v", ins)
	}
	for _, bad := range []string{
		`{ inputs = { a = { url = ("path:" + "/etc"); }; }; }`,
		`{ inputs = { a = { url = (if (builtins ? currentTime) then "github:a/b" else "path:/etc"); }; }; }`,
		`{ inputs = { a = { url = (/tmp/x); }; }; }`,
		`{ inherit inputs; }`,
		`(let inputs = { }; in { inherit inputs; })`,
		`rec { inputs = { }; }`,
		// A name an expression computes (as Nix prints ${"in" + "puts"}).
		`{ outputs = ({ self, ... }: { }); "${("in" + "puts")}" = { s = { flake = false; url = "path:/etc"; }; }; }`,
		`{ inputs = { "${("a" + "b")}" = { url = "path:/etc"; }; }; }`,
	} {
		if _, err := parsedInputs(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestLockInputs(t *testing.T) {
	ins, err := lockInputs([]byte(`{"nodes":{"root":{"inputs":{"s":"s"}},
"s":{"flake":false,"locked":{"path":"/etc","type":"path","narHash":"sha256-x","lastModified":1},"original":{"id":"s","type":"indirect"}}},"root":"root","version":7}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].attrs["path"] != "/etc" || !ins[0].noFlake || ins[1].attrs["type"] != "indirect" {
		t.Errorf("got %+v", ins)
	}
	if _, err := lockInputs([]byte(`{"nodes":{"x":{"locked":{"path":"/etc"}}}}`)); err == nil {
		t.Error("a node without a type was accepted")
	}
}

func TestSearchPath(t *testing.T) {
	n := Nix{Env: []string{"NIX_PATH=nixpkgs=/a:/b:x=https://example.org/n.tar.gz:rel"},
		Args: []string{"-I", "c=/c", "-I/d", "--include", "/e/"}}
	got := n.searchPath()
	want := []string{"/a", "/b", "/c", "/d", "/e"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

package container

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseResolvConf(t *testing.T) {
	rc := parseResolvConf(`# systemd-resolved's stub and a cache: the container cannot reach them
nameserver 127.0.0.53
nameserver ::1
nameserver 10.255.255.53
nameserver fe80::1%eth0
nameserver 2001:db8::53
nameserver 10.255.255.53
nameserver 192.0.2.1
nameserver 192.0.2.2
options edns0
search example.org corp.example
domain ignored.example
search one.example bad;name two.example
`)
	if got, want := rc.render(), "# Written by nixlxc before the container started: the host's name servers.\n"+
		"search one.example two.example\n"+
		"nameserver 10.255.255.53\nnameserver 2001:db8::53\nnameserver 192.0.2.1\n"; string(got) != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
	}
	if rc := parseResolvConf("nameserver 127.0.0.53\n"); len(rc.Nameservers) != 0 {
		t.Errorf("a stub alone gives name servers: %v", rc.Nameservers)
	}
}

func FuzzParseResolvConf(f *testing.F) {
	f.Add("nameserver 10.0.0.1\nsearch a.b\n")
	f.Add("nameserver 127.0.0.1\nnameserver ::ffff:127.0.0.1\n")
	f.Fuzz(func(t *testing.T, text string) {
		out := string(parseResolvConf(text).render())
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n")[1:] {
			f := strings.Fields(l)
			if len(f) < 2 || (f[0] != "nameserver" && f[0] != "search") || strings.ContainsAny(l, "\x00\r;#") {
				t.Fatalf("rendered line %q", l)
			}
			if f[0] == "nameserver" && (strings.HasPrefix(f[1], "127.") || f[1] == "::1" || strings.Contains(f[1], "%")) {
				t.Fatalf("unusable name server %q", f[1])
			}
		}
	})
}

func TestWriteContainerResolvConfNeverFollows(t *testing.T) {
	rootfs := t.TempDir()
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("host file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	uid, gid := os.Getuid(), os.Getgid()

	// No /etc yet: it is made.
	if err := writeContainerResolvConf(rootfs, uid, gid, []byte("nameserver 192.0.2.1\n")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(rootfs, "etc/resolv.conf")); string(got) != "nameserver 192.0.2.1\n" {
		t.Errorf("resolv.conf = %q", got)
	}
	// resolv.conf a symlink to a host file: replaced, the host file untouched.
	os.Remove(filepath.Join(rootfs, "etc/resolv.conf"))
	if err := os.Symlink(victim, filepath.Join(rootfs, "etc/resolv.conf")); err != nil {
		t.Fatal(err)
	}
	if err := writeContainerResolvConf(rootfs, uid, gid, []byte("nameserver 192.0.2.2\n")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(victim); string(got) != "host file\n" {
		t.Errorf("the host file was written through a symlink: %q", got)
	}
	if st, err := os.Lstat(filepath.Join(rootfs, "etc/resolv.conf")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("resolv.conf is not a regular file now: %v %v", st, err)
	}
	// /etc a symlink out of the rootfs: refused.
	os.RemoveAll(filepath.Join(rootfs, "etc"))
	if err := os.Symlink(outside, filepath.Join(rootfs, "etc")); err != nil {
		t.Fatal(err)
	}
	if err := writeContainerResolvConf(rootfs, uid, gid, []byte("nameserver 192.0.2.3\n")); err == nil {
		t.Error("wrote through an /etc that is a symlink")
	}
	if _, err := os.Stat(filepath.Join(outside, "resolv.conf")); err == nil {
		t.Error("a file appeared outside the rootfs")
	}
	// resolv.conf a directory: an error, nothing else.
	os.Remove(filepath.Join(rootfs, "etc"))
	os.MkdirAll(filepath.Join(rootfs, "etc/resolv.conf"), 0o755)
	if err := writeContainerResolvConf(rootfs, uid, gid, []byte("x\n")); err == nil {
		t.Error("replaced a directory")
	}
	if _, err := os.Stat(filepath.Join(rootfs, "etc/.resolv.conf.nixlxc")); err == nil {
		t.Error("left its temporary file")
	}
}

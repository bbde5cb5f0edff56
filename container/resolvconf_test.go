package container

import (
	"os"
	"path/filepath"
	"testing"
)

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

package rmtree

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/internal/testenv"
	"golang.org/x/sys/unix"
)

func TestMountsBelow(t *testing.T) {
	info := `22 1 0:21 / / rw - ext4 /dev/vda rw
36 22 0:30 / /var/lib/nixlxc/lxc/a/rootfs/data rw - ext4 /dev/vda rw
37 22 0:30 / /var/lib/nixlxc/lxc/ab rw - ext4 /dev/vda rw
38 22 0:31 / /var/lib/nixlxc/lxc/a/rootfs/with\040space rw - tmpfs tmpfs rw
39 22 0:32 / /var/lib/nixlxc/lxc/a rw - tmpfs tmpfs rw
`
	got, err := mountsBelow(strings.NewReader(info), "/var/lib/nixlxc/lxc/a")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/var/lib/nixlxc/lxc/a/rootfs/data", "/var/lib/nixlxc/lxc/a/rootfs/with space", "/var/lib/nixlxc/lxc/a"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("mountsBelow = %q, want %q", got, want)
	}
}

// tree makes a small tree with a symlink pointing out of it.
func tree(t *testing.T, outside string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tree")
	for _, d := range []string{"a/b/c", "d", "e/f"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"a/1", "a/b/2", "a/b/c/3", "d/4"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "e/f/out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside+"/keep", filepath.Join(dir, "e/keeplink")); err != nil {
		t.Fatal(err)
	}
	// A directory nobody may enter, as a container's root can make.
	if err := os.Chmod(filepath.Join(dir, "d"), 0); err != nil {
		t.Fatal(err)
	}
	return dir
}

func outsideDir(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "keep"), []byte("host data"), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkKept(t *testing.T, outside string) {
	t.Helper()
	if data, err := os.ReadFile(filepath.Join(outside, "keep")); err != nil || string(data) != "host data" {
		t.Fatalf("the file outside the tree is gone or changed: %q, %v", data, err)
	}
}

func TestRemoveAllNeverFollowsLinks(t *testing.T) {
	outside := outsideDir(t)
	dir := tree(t, outside)
	if err := RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the tree is still there: %v", err)
	}
	checkKept(t, outside)
	if err := RemoveAll(dir); err != nil {
		t.Errorf("removing what is gone: %v", err)
	}
}

func TestRemoveAllOfALink(t *testing.T) {
	outside := outsideDir(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	if err := RemoveAll(link); err != nil {
		t.Fatal(err)
	}
	checkKept(t, outside)
	if _, err := os.Lstat(link); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link is still there")
	}
}

func TestRemoveContents(t *testing.T) {
	outside := outsideDir(t)
	dir := tree(t, outside)
	if err := RemoveContents(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Errorf("after RemoveContents: %v entries, %v", len(entries), err)
	}
	checkKept(t, outside)
}

func TestRemoveManyEntries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "many")
	os.Mkdir(dir, 0o755)
	for i := 0; i < 1200; i++ { // more than one batch of Readdirnames
		os.WriteFile(filepath.Join(dir, strings.Repeat("x", i%50)+string(rune('a'+i%26))+strings.Repeat("y", i/26)), nil, 0o644)
	}
	if err := RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the tree is still there: %v", err)
	}
}

// inMountNamespace runs fn on a thread of its own in a private mount
// namespace, which the thread takes with it when it ends.
func inMountNamespace(t *testing.T, fn func()) {
	t.Helper()
	testenv.RequireRoot(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread dies with its namespace
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			t.Errorf("unshare: %v", err)
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			t.Errorf("making mounts private: %v", err)
			return
		}
		fn()
	}()
	<-done
}

func TestBindMountInsideIsRefused(t *testing.T) {
	outside := outsideDir(t)
	dir := tree(t, t.TempDir())
	target := filepath.Join(dir, "a/b/data")
	inMountNamespace(t, func() {
		os.Mkdir(target, 0o755)
		if err := unix.Mount(outside, target, "", unix.MS_BIND, ""); err != nil {
			t.Errorf("bind mount: %v", err)
			return
		}
		for name, remove := range map[string]func(string) error{"RemoveAll": RemoveAll, "RemoveContents": RemoveContents} {
			err := remove(dir)
			var me *MountError
			if !errors.As(err, &me) || me.Path != target {
				t.Errorf("%s with a bind mount inside = %v, want a MountError naming %s", name, err, target)
			}
			checkKept(t, outside)
		}
		// Found while walking, too: the mount check before the walk
		// cannot see mounts made after it.
		fd, _ := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		defer unix.Close(fd)
		err := emptyTree(fd, dir)
		var me *MountError
		if !errors.As(err, &me) {
			t.Errorf("walking into a bind mount = %v, want a MountError", err)
		}
		checkKept(t, outside)
		unix.Unmount(target, 0)
	})
}

func TestBindMountedFileIsRefused(t *testing.T) {
	outside := outsideDir(t)
	dir := tree(t, t.TempDir())
	target := filepath.Join(dir, "a/file")
	inMountNamespace(t, func() {
		os.WriteFile(target, nil, 0o644)
		if err := unix.Mount(filepath.Join(outside, "keep"), target, "", unix.MS_BIND, ""); err != nil {
			t.Errorf("bind mount: %v", err)
			return
		}
		fd, _ := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		defer unix.Close(fd)
		err := emptyTree(fd, dir)
		var me *MountError
		if !errors.As(err, &me) || me.Path != target {
			t.Errorf("removing a tree with a file bind-mounted in it = %v, want a MountError naming %s", err, target)
		}
		checkKept(t, outside)
		unix.Unmount(target, 0)
	})
}

// A tree far deeper than the descriptors the process may hold (a container
// nests directories with mkdirat): removed whole, within a small limit.
func TestRemoveAHostileDepth(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "deep")
	os.Mkdir(dir, 0o755)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const depth = 3000
	for i := 0; i < depth; i++ {
		if err := unix.Mkdirat(fd, "d", 0o755); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			f, _ := unix.Openat(fd, "file", unix.O_CREAT|unix.O_WRONLY, 0o644)
			unix.Close(f)
		}
		next, err := unix.Openat(fd, "d", unix.O_RDONLY|unix.O_DIRECTORY, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
	}
	unix.Close(fd)
	var old unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &old)
	lim := old
	lim.Cur = 512
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	defer unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	if err := RemoveAll(dir); err != nil {
		if len(err.Error()) > 2048 {
			t.Errorf("an error line of %d bytes", len(err.Error()))
		}
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deep tree is still there: %v", err)
	}
}

func TestDescribeShortensDeepPaths(t *testing.T) {
	var stack []*level
	stack = append(stack, &level{name: "/top"})
	for i := 0; i < 100; i++ {
		stack = append(stack, &level{name: "d"})
	}
	got := describe(stack, "x")
	if !strings.HasPrefix(got, "/top/d/d/d/(94 levels)/d/d/d/x") {
		t.Errorf("describe = %q", got)
	}
}

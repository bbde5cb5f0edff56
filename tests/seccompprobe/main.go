// Command seccompprobe makes, inside a container, the system calls nixlxc's
// seccomp policy denies, and prints each call's errno ("ok" for none), for
// tests/seccomp_test.go. Built static: it runs in any container.
package main

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

func errnoOf(_, _ uintptr, e unix.Errno) string {
	if e == 0 {
		return "ok"
	}
	return unix.ErrnoName(e)
}

func str(s string) uintptr {
	p, _ := unix.BytePtrFromString(s)
	return uintptr(unsafe.Pointer(p))
}

func main() {
	calls := []struct {
		name string
		call func() string
	}{
		{"getpid", func() string { return errnoOf(unix.Syscall(unix.SYS_GETPID, 0, 0, 0)) }},
		{"kexec_load", func() string { return errnoOf(unix.Syscall6(unix.SYS_KEXEC_LOAD, 0, 0, 0, 0, 0, 0)) }},
		{"kexec_file_load", func() string {
			return errnoOf(unix.Syscall6(unix.SYS_KEXEC_FILE_LOAD, ^uintptr(0), ^uintptr(0), 0, str(""), 0, 0))
		}},
		{"init_module", func() string { return errnoOf(unix.Syscall(unix.SYS_INIT_MODULE, 0, 0, str(""))) }},
		{"finit_module", func() string { return errnoOf(unix.Syscall(unix.SYS_FINIT_MODULE, ^uintptr(0), str(""), 0)) }},
		{"delete_module", func() string { return errnoOf(unix.Syscall(unix.SYS_DELETE_MODULE, str("nixlxc_none"), 0, 0)) }},
		{"open_by_handle_at", func() string {
			return errnoOf(unix.Syscall(unix.SYS_OPEN_BY_HANDLE_AT, ^uintptr(99), 0, 0))
		}},
		{"keyctl", func() string {
			// KEYCTL_GET_KEYRING_ID of the session keyring.
			return errnoOf(unix.Syscall(unix.SYS_KEYCTL, 0, ^uintptr(2), 0))
		}},
		{"add_key", func() string {
			return errnoOf(unix.Syscall6(unix.SYS_ADD_KEY, str("user"), str("nixlxc-probe"), str("x"), 1, ^uintptr(1), 0))
		}},
		{"request_key", func() string {
			return errnoOf(unix.Syscall6(unix.SYS_REQUEST_KEY, str("user"), str("nixlxc-probe"), 0, 0, 0, 0))
		}},
		{"umount2_force", func() string {
			dir, err := os.MkdirTemp("", "seccompprobe-mnt")
			if err != nil {
				return "mkdir:" + unix.ErrnoName(err.(*os.PathError).Err.(unix.Errno))
			}
			defer os.Remove(dir)
			if err := unix.Mount("tmpfs", dir, "tmpfs", 0, ""); err != nil {
				return "mount:" + unix.ErrnoName(err.(unix.Errno))
			}
			defer unix.Unmount(dir, 0)
			return errnoOf(unix.Syscall(unix.SYS_UMOUNT2, str(dir), unix.MNT_FORCE, 0))
		}},
	}
	for _, c := range calls {
		fmt.Printf("%s %s\n", c.name, c.call())
	}
}

// Package atomicfile replaces files so that a reader, or a crash, sees either
// the old content or the new, never a mix: write a temporary file in the same
// directory, fsync, close, rename.
package atomicfile

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
)

// WriteFile atomically replaces path with data. Only a regular file is
// replaced: a directory, link, FIFO or device at path is an error, and
// stays.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return &os.PathError{Op: "replace", Path: path, Err: fmt.Errorf("not a regular file (%s)", st.Mode().Type())}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// Symlink atomically points path at target, replacing what was there.
func Symlink(target, path string) error {
	tmp := fmt.Sprintf("%s/.%s.tmp-%d-%d", filepath.Dir(path), filepath.Base(path), os.Getpid(), rand.Int63())
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

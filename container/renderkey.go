package container

import (
	"fmt"
	"os"
	"sync"
)

// The render key fingerprints what a container's LXC config is made from,
// so a start can tell, without the database, that the config on disk is
// still right. Every lease change removes the key; a lost or torn key only
// means one more render, so it is written without fsync.

var (
	binaryOnce sync.Once
	binaryIDv  string
)

// binaryID identifies this nixlxc build: a new one may render differently.
func binaryID() string {
	binaryOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			return
		}
		st, err := os.Stat(exe)
		if err != nil {
			return
		}
		binaryIDv = fmt.Sprintf("%s %d %d", exe, st.Size(), st.ModTime().UnixNano())
	})
	return binaryIDv
}

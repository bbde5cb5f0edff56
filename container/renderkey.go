package container

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/nixlxc/nixlxc/lxcapi"
	"github.com/nixlxc/nixlxc/spec"
)

// The render key fingerprints what a container's LXC config is made from,
// so a start can tell, without the database, that the config on disk is
// still right. Every lease change removes the key; a lost or torn key only
// means one more render, so it is written without fsync.

// renderKey is the fingerprint for rendering rec with settings s now; ""
// when it cannot be computed (then the config is always rendered).
func (m *Manager) renderKey(rec *record, s spec.Settings) string {
	host, err := m.net.hostConfig()
	if err != nil {
		return ""
	}
	id := binaryID()
	if id == "" {
		return ""
	}
	h := sha256.New()
	err = json.NewEncoder(h).Encode(struct {
		Record     *record
		Settings   spec.Settings
		Host       any
		CgroupV2   bool
		StateDir   string
		ProfileDir string
		Binary     string
		Init       string // the current system's systemd may need arguments
	}{rec, s, host, lxcapi.CgroupV2(), m.paths.stateDir, m.paths.profileDir, id, m.initCommand(rec.Name)})
	if err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

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

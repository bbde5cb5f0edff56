package container

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// An installation is one state directory. Its id marks the profiles it
// makes: several installations may share a profile directory (and
// nixos-container uses the same layout), and none may extend or remove a
// profile another one made.

// installationID is this installation's id, made on first use.
func (m *Manager) installationID() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.id != "" {
		return m.id, nil
	}
	id, err := readInstallationID(m.paths.installationPath())
	if errors.Is(err, os.ErrNotExist) {
		id, err = makeInstallationID(m.paths.installationPath())
	}
	if err != nil {
		return "", fmt.Errorf("reading this installation's id: %w", err)
	}
	m.id = id
	return id, nil
}

func readInstallationID(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(data))
	if len(id) != 32 {
		return "", fmt.Errorf("%s holds no installation id", path)
	}
	return id, nil
}

// makeInstallationID writes a new id; of two processes racing, the first
// one's wins (link fails where a file exists) and both return it.
func makeInstallationID(path string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(b[:])
	tmp, err := os.CreateTemp(filepath.Dir(path), ".installation-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(id + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return "", err
	}
	return readInstallationID(path)
}

// profileMarker marks a profile directory as made by an installation of
// nixlxc, and which one.
const profileMarker = ".nixlxc"

type marker struct {
	Container    string `json:"container"`
	Installation string `json:"installation"`
	StateDir     string `json:"stateDir"`
}

func (m *Manager) claimProfile(name string) error {
	id, err := m.installationID()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(m.paths.markerPath(name)), 0o755); err != nil {
		return err
	}
	data, _ := json.Marshal(marker{Container: name, Installation: id, StateDir: m.paths.stateDir})
	return os.WriteFile(m.paths.markerPath(name), append(data, '\n'), 0o644)
}

// Who made a profile directory.
type profileOwner int

const (
	ownerNone    profileOwner = iota // no marker: not nixlxc's (a nixos-container's?)
	ownerUs                          // this installation
	ownerOther                       // another installation of nixlxc
	ownerUnknown                     // an older nixlxc's marker, which names no installation
)

// profileOwner tells who made the container's profile directory.
func (m *Manager) profileOwner(name string) (profileOwner, marker) {
	data, err := os.ReadFile(m.paths.markerPath(name))
	if err != nil {
		return ownerNone, marker{}
	}
	var mk marker
	if json.Unmarshal(data, &mk) != nil || mk.Installation == "" {
		return ownerUnknown, marker{}
	}
	id, err := m.installationID()
	if err != nil || mk.Installation != id {
		return ownerOther, mk
	}
	return ownerUs, mk
}

// ownsProfile reports whether this installation may change or remove the
// container's profile: it made it, or (an older nixlxc's marker) it has the
// container.
func (m *Manager) ownsProfile(name string) bool {
	switch owner, _ := m.profileOwner(name); owner {
	case ownerUs:
		return true
	case ownerUnknown:
		return m.exists(name)
	}
	return false
}

package container

import (
	"crypto/rand"
	"encoding/hex"
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

// Who made a profile directory.
type profileOwner int

const (
	ownerNone    profileOwner = iota // no marker: not nixlxc's (a nixos-container's?)
	ownerUs                          // this installation
	ownerOther                       // another installation of nixlxc
	ownerUnknown                     // an older nixlxc's marker, which names no installation
)

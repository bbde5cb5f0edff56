package container

import (
	"errors"
	"os"

	"github.com/nixlxc/nixlxc/internal/inputfile"
	"github.com/nixlxc/nixlxc/ipam"
	"github.com/nixlxc/nixlxc/leases"
)

// Id ranges: each container maps its 65536 ids onto a range of root's
// subordinate ids of its own, leased like an address, so no container's root
// can touch another's files. --shared-idmap keeps nixcloud-container's
// behaviour (every such container at 100000).
const (
	purposeIDMap = string(leases.IDMap)
	// sharedHolder holds the shared range while any shared container
	// exists, so no container gets it as its own.
	sharedHolder = "(shared)"
	// sharedPool counts the shared containers: one lease each.
	sharedPool = "idmap-shared"
)

// The files root's subordinate ids come from; tests may point elsewhere.
var (
	subuidFile = "/etc/subuid"
	subgidFile = "/etc/subgid"
)

func readSubIDs() (uids, gids []ipam.SubIDRange, err error) {
	u, err := inputfile.Read(subuidFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	g, err := inputfile.Read(subgidFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	return ipam.ParseSubIDs(string(u), "root"), ipam.ParseSubIDs(string(g), "root"), nil
}

func releaseSharedIfUnused(tx *ipam.Tx) error {
	n, err := tx.Count(sharedPool)
	if err != nil || n > 0 {
		return err
	}
	_, err = tx.Release(sharedHolder)
	return err
}

package spec

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

// BindMount is one of nixos-container's bindMounts: a host path shown at a
// mount point inside the container, read-only unless said otherwise.
type BindMount struct {
	MountPoint string `json:"mountPoint"` // absolute, inside the container
	HostPath   string `json:"hostPath"`
	ReadOnly   bool   `json:"isReadOnly"`
}

// parseBindMounts reads `bindMounts = { "/data" = { hostPath = "/srv/web";
// isReadOnly = true; }; }` as nixos-container does: the attribute name is
// the mount point unless mountPoint is given, hostPath defaults to the
// mount point, isReadOnly to true. The result is sorted by mount point, so
// a mount inside another comes after it.
func parseBindMounts(raw json.RawMessage) ([]BindMount, error) {
	if !isSet(raw) {
		return nil, nil
	}
	var set map[string]json.RawMessage
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("%w bindMounts: must be an attribute set of { hostPath; isReadOnly; }", ErrInvalid)
	}
	var mounts []BindMount
	for name, v := range set {
		var opts struct {
			MountPoint *string `json:"mountPoint"`
			HostPath   *string `json:"hostPath"`
			IsReadOnly *bool   `json:"isReadOnly"`
		}
		err := strictUnmarshal(v, &opts)
		if err == nil {
			err = exactNames(v, "mountPoint", "hostPath", "isReadOnly")
		}
		if err != nil {
			return nil, fmt.Errorf("%w bindMounts.\"%s\": %v (expected { hostPath = \"/srv/x\"; isReadOnly = true; })", ErrInvalid, printable(name), err)
		}
		b := BindMount{MountPoint: name, HostPath: name, ReadOnly: true}
		if opts.MountPoint != nil {
			b.MountPoint = *opts.MountPoint
		}
		if opts.HostPath != nil {
			b.HostPath = *opts.HostPath
		} else {
			b.HostPath = b.MountPoint
		}
		if opts.IsReadOnly != nil {
			b.ReadOnly = *opts.IsReadOnly
		}
		mounts = append(mounts, b)
	}
	sort.Slice(mounts, func(i, j int) bool { return mounts[i].MountPoint < mounts[j].MountPoint })
	return mounts, checkBindMounts(mounts)
}

// checkBindMounts checks the form of the paths; what they may reach on the
// host is the container's business (lxcconf.Boundary), where the
// installation's directories are known.
func checkBindMounts(mounts []BindMount) error {
	seen := map[string]bool{}
	for _, b := range mounts {
		for what, p := range map[string]string{"mount point": b.MountPoint, "hostPath": b.HostPath} {
			if !strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.ContainsAny(p, "\x00\n") {
				return fmt.Errorf("%w bindMounts.\"%s\": the %s \"%s\" is not an absolute, clean path", ErrInvalid, printable(b.MountPoint), what, printable(p))
			}
		}
		if b.MountPoint == "/" {
			return fmt.Errorf("%w bindMounts: the container's root cannot be a mount point", ErrInvalid)
		}
		if seen[b.MountPoint] {
			return fmt.Errorf("%w bindMounts: %s is mounted twice", ErrInvalid, printable(b.MountPoint))
		}
		seen[b.MountPoint] = true
	}
	if !sort.SliceIsSorted(mounts, func(i, j int) bool { return mounts[i].MountPoint < mounts[j].MountPoint }) {
		return fmt.Errorf("%w bindMounts: not sorted by mount point", ErrInvalid)
	}
	return nil
}

package ipam

import (
	"fmt"
	"strconv"
	"strings"
)

// SubIDRange is one line of /etc/subuid or /etc/subgid.
type SubIDRange struct {
	Start, Count int64
}

// ParseSubIDs returns user's ranges from the text of /etc/subuid or
// /etc/subgid ("user:start:count" lines).
func ParseSubIDs(text, user string) []SubIDRange {
	var out []SubIDRange
	for _, line := range strings.Split(text, "\n") {
		f := strings.Split(strings.TrimSpace(line), ":")
		if len(f) != 3 || f[0] != user {
			continue
		}
		start, err1 := strconv.ParseInt(f[1], 10, 64)
		count, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil || start < 0 || count <= 0 {
			continue
		}
		out = append(out, SubIDRange{start, count})
	}
	return out
}

// covers reports whether one of ranges holds [start, start+count).
func covers(ranges []SubIDRange, start, count int64) bool {
	for _, r := range ranges {
		if r.Start <= start && start+count <= r.Start+r.Count {
			return true
		}
	}
	return false
}

// IDPoolFor is the pool of 65536-id ranges containers take from: the
// largest of root's subordinate uid ranges that its gid ranges cover too.
func IDPoolFor(uids, gids []SubIDRange) (start int64, p Pool, err error) {
	var best *SubIDRange
	for i, r := range uids {
		if r.Count < IDRangeSize || !covers(gids, r.Start, r.Count) {
			continue
		}
		if best == nil || r.Count > best.Count {
			best = &uids[i]
		}
	}
	if best == nil {
		return 0, Pool{}, fmt.Errorf("root has no subordinate uid and gid range of at least %d ids in /etc/subuid and /etc/subgid (run scripts/setup-host.sh)", IDRangeSize)
	}
	return best.Start, IDPool(best.Start, best.Count), nil
}

// Covered reports whether [start, start+IDRangeSize) is in both files' ranges.
func Covered(uids, gids []SubIDRange, start int64) bool {
	return covers(uids, start, IDRangeSize) && covers(gids, start, IDRangeSize)
}

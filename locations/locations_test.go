package locations

import (
	"path/filepath"
	"strings"
	"testing"
)

// Whatever a config file holds, what is accepted names absolute paths only,
// and a refusal is one line.
func FuzzLocations(f *testing.F) {
	f.Add([]byte(`{ "stateDir": "/srv/nixlxc", "profileDir": "/p", "hostConfig": "/etc/nixlxc/host.json" }`))
	f.Add([]byte(`{ "stateDri": "/x" }`))
	f.Add([]byte(`{ "stateDir": "rel" }`))
	f.Add([]byte(`{}{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := parse(data, "/etc/nixlxc/config.json")
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n") && !strings.Contains(string(data), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			return
		}
		for _, p := range []string{l.StateDir, l.ProfileDir, l.HostConfig} {
			if p != "" && !filepath.IsAbs(p) {
				t.Errorf("accepted relative path %q", p)
			}
		}
	})
}

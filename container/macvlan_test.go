package container

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// A macvlan is rendered after the container's own interfaces, in bridge
// mode on its parent, with a MAC that stays the same.
func TestMacvlanConfig(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "mv", tm.config("mv.json", "one", map[string]any{"macvlans": []string{"lan0"}}), CreateOptions{}))
	config, err := os.ReadFile(tm.paths.configPath("mv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lxc.net.1.type = macvlan", "lxc.net.1.macvlan.mode = bridge", "lxc.net.1.name = mv-lan0", "lxc.net.1.link = lan0"} {
		if !strings.Contains(string(config), want+"\n") {
			t.Errorf("the config lacks %q:\n%s", want, config)
		}
	}
	mac := regexp.MustCompile(`lxc.net.1.hwaddr = (\S+)`).FindStringSubmatch(string(config))
	if mac == nil || !regexp.MustCompile(`^[0-9a-f][26ae](:[0-9a-f]{2}){5}$`).MatchString(mac[1]) {
		t.Fatalf("macvlan MAC %q is not a locally administered unicast address", mac)
	}
	if again := macvlanMAC(tm.recs.id, "mv", "lan0"); again != mac[1] {
		t.Errorf("the MAC changes: %s then %s", mac[1], again)
	}
	if macvlanMAC(tm.recs.id, "other", "lan0") == mac[1] || macvlanMAC(tm.recs.id, "mv", "lan1") == mac[1] {
		t.Error("two macvlans share a MAC")
	}
}

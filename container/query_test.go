package container

import (
	"reflect"
	"testing"
)

// List's interfaces are ShowIP's, NAT address included, and its ipv4 and
// ipv6 are their plain addresses.
func TestListInterfaces(t *testing.T) {
	tm := newTestManager(t)
	tm.must(tm.Create(ctx, "nat", tm.config("n.json", "n", map[string]any{"network": map[string]any{"enableNat": true}}), CreateOptions{}))
	tm.must(tm.Create(ctx, "plain", tm.config("p.json", "p", nil), CreateOptions{}))
	infos, err := tm.List(ctx)
	if err != nil || len(infos) != 2 {
		t.Fatalf("List: %v, %+v", err, infos)
	}
	for _, info := range infos {
		want, err := tm.ShowIP(ctx, info.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(info.Interfaces, want) {
			t.Errorf("%s: List's interfaces %+v, ShowIP's %+v", info.Name, info.Interfaces, want)
		}
		if want.Hostonly == nil || info.IPv4 != addrOf(want.Hostonly.IPv4) || info.IPv4 == want.Hostonly.IPv4 {
			t.Errorf("%s: ipv4 %q for %+v", info.Name, info.IPv4, want.Hostonly)
		}
	}
	if infos[0].Interfaces.Internet == nil || infos[0].Interfaces.Internet.IPv4 == "" {
		t.Errorf("the NAT container has no internet address: %+v", infos[0].Interfaces)
	}
	if infos[1].Interfaces.Internet != nil {
		t.Errorf("the plain container has an internet interface: %+v", infos[1].Interfaces.Internet)
	}
}

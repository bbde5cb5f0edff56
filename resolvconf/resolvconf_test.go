package resolvconf

import (
	"strings"
	"testing"
)

func TestParseResolvConf(t *testing.T) {
	rc := Parse(`# systemd-resolved's stub and a cache: the container cannot reach them
nameserver 127.0.0.53
nameserver ::1
nameserver 10.255.255.53
nameserver fe80::1%eth0
nameserver 2001:db8::53
nameserver 10.255.255.53
nameserver 192.0.2.1
nameserver 192.0.2.2
options edns0
search example.org corp.example
domain ignored.example
search one.example bad;name two.example
`)
	if got, want := rc.Render(), "# Written by nixlxc before the container started: the host's name servers.\n"+
		"search one.example two.example\n"+
		"nameserver 10.255.255.53\nnameserver 2001:db8::53\nnameserver 192.0.2.1\n"; string(got) != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
	}
	if rc := Parse("nameserver 127.0.0.53\n"); len(rc.Nameservers) != 0 {
		t.Errorf("a stub alone gives name servers: %v", rc.Nameservers)
	}
}

func FuzzParseResolvConf(f *testing.F) {
	f.Add("nameserver 10.0.0.1\nsearch a.b\n")
	f.Add("nameserver 127.0.0.1\nnameserver ::ffff:127.0.0.1\n")
	f.Fuzz(func(t *testing.T, text string) {
		out := string(Parse(text).Render())
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n")[1:] {
			f := strings.Fields(l)
			if len(f) < 2 || (f[0] != "nameserver" && f[0] != "search") || strings.ContainsAny(l, "\x00\r;#") {
				t.Fatalf("rendered line %q", l)
			}
			if f[0] == "nameserver" && (strings.HasPrefix(f[1], "127.") || f[1] == "::1" || strings.Contains(f[1], "%")) {
				t.Fatalf("unusable name server %q", f[1])
			}
		}
	})
}

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nixlxc/nixlxc/container"
	"github.com/nixlxc/nixlxc/spec"
)

func sampleRows() []containerJSON {
	return []containerJSON{
		containerOf(container.Info{
			Name: "web", State: "RUNNING", Generation: 3, System: "/nix/store/abc-nixos-system-web",
			Autostart: spec.Autostart{Enable: true, Order: 10}, IDMapBase: 100000,
			Interfaces: container.Addresses{
				Hostonly: &container.Interface{Bridge: "brNC-hostonly", HostVeth: "nh-web", MAC: "02:6e:6c:00:00:01", IPv4: "10.101.0.2/16"},
				Internet: &container.Interface{Bridge: "brNC-internet", HostVeth: "ni-web", MAC: "02:6e:6c:00:00:02",
					IPv4: "10.202.0.2/16", IPv6: "2001:db8:1:1::2/64", Gateway4: "10.202.0.1", Gateway6: "2001:db8:1:1::1"},
			},
		}),
		containerOf(container.Info{Name: "db", State: "STOPPED", IDMapBase: 165536}),
	}
}

func render(t *testing.T, rows []containerJSON, o listOutput) string {
	t.Helper()
	var b bytes.Buffer
	if err := writeList(&b, rows, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestListTable(t *testing.T) {
	cols, _ := parseColumns(defaultColumns)
	got := render(t, sampleRows(), listOutput{format: "table", columns: cols, header: true})
	want := "" +
		"NAME  STATE    IPV4        NAT         IPV6             GENERATION  AUTOSTART\n" +
		"web   RUNNING  10.101.0.2  10.202.0.2  2001:db8:1:1::2  3           yes\n" +
		"db    STOPPED  -           -           -                -           no\n"
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	// Without the header, every row's first word is a name and every row
	// has as many words as columns.
	got = render(t, sampleRows(), listOutput{format: "table", columns: cols})
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if f := strings.Fields(line); len(f) != len(cols) || (f[0] != "web" && f[0] != "db") {
			t.Errorf("row %q: want %d words starting with a name", line, len(cols))
		}
	}
	// No rows, no output, header or not: scripts test for the empty string.
	if got := render(t, nil, listOutput{format: "table", columns: cols, header: true}); got != "" {
		t.Errorf("no containers: table %q, want nothing", got)
	}
}

func TestListColumns(t *testing.T) {
	cols, err := parseColumns("name,NAT,order,idmapBase")
	if err != nil {
		t.Fatal(err)
	}
	got := render(t, sampleRows(), listOutput{format: "csv", columns: cols, header: true})
	want := "name,nat,order,idmapBase\nweb,10.202.0.2,10,100000\ndb,,,165536\n"
	if got != want {
		t.Errorf("csv:\n%s\nwant:\n%s", got, want)
	}
	if got := render(t, nil, listOutput{format: "csv", columns: cols}); got != "" {
		t.Errorf("csv without header and rows: %q", got)
	}
	if _, err := parseColumns("name,,state"); err == nil {
		t.Error("an empty column name was accepted")
	}
}

// Every column is a field of list's JSON, under the same name.
func TestColumnsAreJSONFields(t *testing.T) {
	data, _ := json.Marshal(sampleRows()[0])
	var fields map[string]any
	json.Unmarshal(data, &fields)
	for _, c := range listColumns {
		if c.key == "order" {
			if _, ok := fields["autostart"].(map[string]any)["order"]; !ok {
				t.Error("column order is not autostart.order")
			}
			continue
		}
		if _, ok := fields[c.key]; !ok {
			t.Errorf("column %s is not a field of list's JSON (%s)", c.key, data)
		}
	}
}

// The JSON vocabulary: plain addresses, prefix lengths beside them, the
// interface objects show-ip prints.
func TestListJSON(t *testing.T) {
	got := render(t, sampleRows(), listOutput{format: "json"})
	var rows []map[string]any
	if err := json.Unmarshal([]byte(got), &rows); err != nil {
		t.Fatal(err)
	}
	web := rows[0]
	for key, want := range map[string]any{"name": "web", "ipv4": "10.101.0.2", "nat": "10.202.0.2", "ipv6": "2001:db8:1:1::2", "generation": 3.0} {
		if web[key] != want {
			t.Errorf("%s = %v, want %v", key, web[key], want)
		}
	}
	inet := web["interfaces"].(map[string]any)["internet"].(map[string]any)
	if inet["ipv4"] != "10.202.0.2" || inet["ipv4PrefixLength"] != 16.0 || inet["ipv6"] != "2001:db8:1:1::2" || inet["ipv6PrefixLength"] != 64.0 {
		t.Errorf("internet interface %v", inet)
	}
	if _, ok := rows[1]["ipv4"]; ok {
		t.Errorf("a container without addresses has ipv4: %v", rows[1])
	}
	if got := render(t, nil, listOutput{format: "json"}); strings.TrimSpace(got) != "[]" {
		t.Errorf("no containers: %q, want []", got)
	}
}

func TestYAML(t *testing.T) {
	got := render(t, sampleRows()[1:], listOutput{format: "yaml"})
	want := `- name: "db"
  state: "STOPPED"
  generation: 0
  autostart:
    enable: false
  idmapBase: 165536
  interfaces: {}
`
	if got != want {
		t.Errorf("yaml:\n%s\nwant:\n%s", got, want)
	}
	var b bytes.Buffer
	writeYAML(&b, map[string]any{"a": []any{}, "b": []any{[]any{1, "x"}, map[string]any{"no": "yes: \"q\"\n"}}})
	want = "a: []\nb:\n  -\n    - 1\n    - \"x\"\n  - \"no\": \"yes: \\\"q\\\"\\n\"\n"
	if b.String() != want {
		t.Errorf("yaml:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A YAML parser reads the YAML as the JSON it came from, where Debian's
// python3-yaml is installed (scripts/test.sh installs it).
func TestYAMLParses(t *testing.T) {
	python := "/usr/bin/python3"
	if exec.Command(python, "-c", "import yaml").Run() != nil {
		if os.Getenv("NIXLXC_TEST_TOOLS") != "" {
			t.Fatal("python3-yaml is missing (scripts/setup-host.sh --test-tools installs it)")
		}
		t.Skip("no python3-yaml")
	}
	rows := sampleRows()
	rows[1].System = "weird: \"value\"\n- with\tcontrol \x1b[31m and ünïcode"
	y := render(t, rows, listOutput{format: "yaml"})
	j := render(t, rows, listOutput{format: "json"})
	cmd := exec.Command(python, "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))")
	cmd.Stdin = strings.NewReader(y)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 yaml: %v\n%s", err, y)
	}
	var fromYAML, fromJSON any
	json.Unmarshal(out, &fromYAML)
	json.Unmarshal([]byte(j), &fromJSON)
	a, _ := json.Marshal(fromYAML)
	b, _ := json.Marshal(fromJSON)
	if !bytes.Equal(a, b) {
		t.Errorf("YAML read back:\n%s\nJSON:\n%s", a, b)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
)

// writeYAML prints v as YAML: the document its JSON is, fields in the same
// order, in block style. Every string is written as a JSON string, which
// is a YAML double-quoted scalar with the same escapes, so no value can be
// read as another type (no, 1e3, null) or break the layout. A small
// emitter of its own rather than a YAML library: nixlxc only writes YAML,
// and only what its JSON holds.
func writeYAML(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	root, err := readNode(dec)
	if err != nil {
		return err
	}
	var b strings.Builder
	switch root.kind {
	case '{':
		if len(root.keys) == 0 {
			b.WriteString("{}\n")
		} else {
			writeYAMLObject(&b, root, 0, false)
		}
	case '[':
		if len(root.items) == 0 {
			b.WriteString("[]\n")
		} else {
			writeYAMLArray(&b, root, 0)
		}
	default:
		b.WriteString(root.scalar + "\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// yamlNode is a JSON value with its object keys in order.
type yamlNode struct {
	kind   byte // '{', '[' or 0 for a scalar
	keys   []string
	values []*yamlNode
	items  []*yamlNode
	scalar string // JSON text
}

func readNode(dec *json.Decoder) (*yamlNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &yamlNode{kind: byte(t)}
		for dec.More() {
			if n.kind == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
				v, err := readNode(dec)
				if err != nil {
					return nil, err
				}
				n.values = append(n.values, v)
				continue
			}
			v, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		q, _ := json.Marshal(t)
		return &yamlNode{scalar: string(q)}, nil
	case json.Number:
		return &yamlNode{scalar: t.String()}, nil
	case bool:
		return &yamlNode{scalar: fmt.Sprint(t)}, nil
	case nil:
		return &yamlNode{scalar: "null"}, nil
	}
	return nil, fmt.Errorf("yaml: unexpected JSON token %v", tok)
}

// plainKey is compiled when first used: not every command prints YAML.
var plainKey = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

func yamlKey(k string) string {
	if plainKey().MatchString(k) && !isYAMLWord(k) {
		return k
	}
	q, _ := json.Marshal(k)
	return string(q)
}

// isYAMLWord: keys YAML 1.1 readers take for booleans or null.
func isYAMLWord(k string) bool {
	switch strings.ToLower(k) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return true
	}
	return false
}

// writeYAMLObject writes n's fields at indent; the first field continues
// the current line when inline (after "- ").
func writeYAMLObject(b *strings.Builder, n *yamlNode, indent int, inline bool) {
	for i, k := range n.keys {
		if i > 0 || !inline {
			b.WriteString(strings.Repeat(" ", indent))
		}
		b.WriteString(yamlKey(k) + ":")
		writeYAMLValue(b, n.values[i], indent+2)
	}
}

func writeYAMLArray(b *strings.Builder, n *yamlNode, indent int) {
	for _, item := range n.items {
		b.WriteString(strings.Repeat(" ", indent) + "-")
		switch {
		case item.kind == '{' && len(item.keys) > 0:
			b.WriteString(" ")
			writeYAMLObject(b, item, indent+2, true)
		default:
			writeYAMLValue(b, item, indent+2)
		}
	}
}

// writeYAMLValue writes what follows "key:" or "-".
func writeYAMLValue(b *strings.Builder, n *yamlNode, indent int) {
	switch {
	case n.kind == '{' && len(n.keys) == 0:
		b.WriteString(" {}\n")
	case n.kind == '[' && len(n.items) == 0:
		b.WriteString(" []\n")
	case n.kind == '{':
		b.WriteString("\n")
		writeYAMLObject(b, n, indent, false)
	case n.kind == '[':
		b.WriteString("\n")
		writeYAMLArray(b, n, indent)
	default:
		b.WriteString(" " + n.scalar + "\n")
	}
}

package nixsys

import (
	"fmt"
	"strings"
)

// Reading flake.nix's inputs from `nix-instantiate --parse`'s canonical
// print of it, without evaluating anything: inputs computed by an
// expression could differ between nixlxc's look and Nix's (pure
// `nix flake lock` and restricted `nix-build` see different builtins, a
// different `./.` and `__curPos`), so only literal inputs are accepted:
// attribute sets, strings, true and false.

// token is one token of Nix's canonical print.
type token struct {
	kind byte // 's' string, 'S' interpolated string, 'i' identifier, else the punctuation character itself ('?' anything else)
	text string
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			i++
		case c == '"':
			text, end, interpolated, err := scanString(s, i)
			if err != nil {
				return nil, err
			}
			kind := byte('s')
			if interpolated {
				// Not a literal: its value is an expression's.
				kind = 'S'
			}
			out = append(out, token{kind, text})
			i = end
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			out = append(out, token{'i', s[i:j]})
			i = j
		case strings.IndexByte("{}()[];=", c) >= 0:
			out = append(out, token{c, string(c)})
			i++
		default:
			out = append(out, token{'?', string(c)})
			i++
		}
	}
	return out, nil
}

// scanString reads the string that starts at s[i] (a '"') as Nix prints
// it: its text (escapes undone), the index after it, and whether it
// interpolates (${...}, whose expression, strings and braces included, is
// passed over whole, so nothing in it passes for a token of its own).
func scanString(s string, i int) (string, int, bool, error) {
	var b strings.Builder
	interpolated := false
	for i++; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
		case s[i] == '"':
			return b.String(), i + 1, interpolated, nil
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			interpolated = true
			end, err := skipInterpolation(s, i+2)
			if err != nil {
				return "", 0, false, err
			}
			b.WriteString(s[i:end])
			i = end - 1
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, false, fmt.Errorf("unterminated string")
}

// skipInterpolation passes over the expression of an interpolation that
// starts at s[i], to the index after its closing brace.
func skipInterpolation(s string, i int) (int, error) {
	depth := 0
	for i < len(s) {
		switch s[i] {
		case '"':
			_, end, _, err := scanString(s, i)
			if err != nil {
				return 0, err
			}
			i = end
			continue
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i + 1, nil
			}
			depth--
		}
		i++
	}
	return 0, fmt.Errorf("unterminated interpolation")
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '\'' || c == '-'
}

// errNotLiteral says what nixlxc accepts.
var errNotLiteral = fmt.Errorf("its inputs must be literal (attribute sets, strings, true, false), as Nix expects")

// parsedInputs reads the inputs of flake.nix from its canonical print.
func parsedInputs(parsed string) ([]input, error) {
	toks, err := tokenize(parsed)
	if err != nil {
		return nil, err
	}
	p := &literalParser{toks: toks}
	if !p.accept('{') {
		return nil, fmt.Errorf("flake.nix is not an attribute set literal")
	}
	var ins []input
	for !p.accept('}') {
		if p.done() {
			return nil, fmt.Errorf("flake.nix ends early")
		}
		if !p.done() && p.toks[p.i].kind == 'S' {
			// A name computed by an expression (${"in" + "puts"}) could be
			// the inputs.
			return nil, errNotLiteral
		}
		key, ok := p.key()
		if !ok || !p.accept('=') {
			// inherit, or something nixlxc does not know: not the inputs.
			start := p.i
			if err := p.skipDefinition(); err != nil {
				return nil, err
			}
			for _, t := range append(p.toks[start:p.i:p.i], token{'i', key}) {
				if (t.kind == 'i' || t.kind == 's') && t.text == "inputs" {
					return nil, errNotLiteral
				}
			}
			continue
		}
		if key != "inputs" {
			if err := p.skipDefinition(); err != nil {
				return nil, err
			}
			continue
		}
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		if !p.accept(';') {
			return nil, errNotLiteral
		}
		set, ok := v.(map[string]any)
		if !ok {
			return nil, errNotLiteral
		}
		ins = inputsOf(set)
	}
	return ins, nil
}

// inputsOf turns flake.nix's literal inputs into inputs, as Nix's
// parseFlakeInput reads them.
func inputsOf(set map[string]any) []input {
	var out []input
	for _, name := range sortedKeys(set) {
		in := input{name: name}
		switch v := set[name].(type) {
		case string:
			in.url = v
		case map[string]any:
			for _, k := range sortedKeys(v) {
				switch val := v[k].(type) {
				case map[string]any:
					if k == "inputs" {
						in.inputs = inputsOf(val)
					}
				case bool:
					if k == "flake" {
						in.noFlake = !val
					} else {
						in.attrs = setAttr(in.attrs, k, fmt.Sprint(val))
					}
				case string:
					switch k {
					case "follows":
						in.follows = true
					case "url":
						in.url = val
						in.attrs = setAttr(in.attrs, k, val)
					default:
						in.attrs = setAttr(in.attrs, k, val)
					}
				}
			}
		}
		out = append(out, in)
	}
	return out
}

func setAttr(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

type literalParser struct {
	toks []token
	i    int
}

func (p *literalParser) done() bool { return p.i >= len(p.toks) }

func (p *literalParser) accept(kind byte) bool {
	if !p.done() && p.toks[p.i].kind == kind {
		p.i++
		return true
	}
	return false
}

// key reads an attribute name (an identifier or a quoted string).
func (p *literalParser) key() (string, bool) {
	if p.done() {
		return "", false
	}
	t := p.toks[p.i]
	if t.kind == 'i' || t.kind == 's' {
		p.i++
		return t.text, true
	}
	return "", false
}

// skipDefinition passes over a value up to its `;`, brackets and strings
// balanced.
func (p *literalParser) skipDefinition() error {
	depth := 0
	for ; !p.done(); p.i++ {
		switch p.toks[p.i].kind {
		case '{', '(', '[':
			depth++
		case '}', ')', ']':
			depth--
			if depth < 0 {
				return fmt.Errorf("flake.nix: unbalanced brackets")
			}
		case ';':
			if depth == 0 {
				p.i++
				return nil
			}
		}
	}
	return fmt.Errorf("flake.nix ends early")
}

// literal reads a string, true, false or an attribute set of them.
func (p *literalParser) literal() (any, error) {
	if p.done() {
		return nil, errNotLiteral
	}
	t := p.toks[p.i]
	switch {
	case t.kind == 's':
		p.i++
		return t.text, nil
	case t.kind == 'i' && (t.text == "true" || t.text == "false"):
		p.i++
		return t.text == "true", nil
	case t.kind == '{':
		p.i++
		set := map[string]any{}
		for !p.accept('}') {
			k, ok := p.key()
			if !ok || !p.accept('=') {
				return nil, errNotLiteral
			}
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			if !p.accept(';') {
				return nil, errNotLiteral
			}
			set[k] = v
		}
		return set, nil
	}
	return nil, errNotLiteral
}

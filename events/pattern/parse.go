package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strings"
)

// Pattern is a compiled event pattern.
type Pattern struct {
	branches []branch
}

// branch is one way the pattern can match: every field must.
type branch struct {
	fields []field
}

// field is the matchers of one flattened name, any of which may match.
type field struct {
	name     string
	matchers []matcher
}

// Error is an invalid pattern, with EventBridge's reason.
type Error struct {
	Reason string
}

func (e *Error) Error() string { return "Event pattern is not valid. Reason: " + e.Reason }

func fail(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// MaxPatternBytes bounds a pattern's text, as EventBridge bounds EventPattern (4096
// characters on PutRule; TestEventPattern takes the same field).
const MaxPatternBytes = 4096 * 4

// maxBranches bounds how many branches $or may multiply into: each $or multiplies the
// branches, and a hostile pattern could otherwise ask for millions.
const maxBranches = 1024

// Parse compiles a pattern from its JSON text, reporting the first problem in document
// order, as EventBridge does.
func Parse(text string) (*Pattern, error) {
	if len(text) > MaxPatternBytes {
		return nil, fail("Pattern is too long (%d bytes; at most %d)", len(text), MaxPatternBytes)
	}
	p := &parser{dec: json.NewDecoder(strings.NewReader(text))}
	p.dec.UseNumber()
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, fail("Filter is not an object")
	}
	branches := []map[string][]matcher{{}}
	if branches, err = p.object(branches, nil, false, 0); err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		if err == nil {
			return nil, fail("Unexpected content after the pattern's closing brace")
		}
		return nil, syntaxError(err)
	}
	out := &Pattern{}
	for _, b := range branches {
		out.branches = append(out.branches, newBranch(b))
	}
	return out, nil
}

type parser struct {
	dec *json.Decoder
}

func (p *parser) token() (json.Token, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, syntaxError(err)
	}
	return tok, nil
}

func syntaxError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fail("Unexpected end-of-input")
	}
	return fail("%s", strings.TrimPrefix(err.Error(), "json: "))
}

// maxDepth bounds the nesting of a pattern.
const maxDepth = 64

// object reads the fields of an object whose '{' was read, adding its leaves under path to
// every branch; $or forks the branches.
func (p *parser) object(branches []map[string][]matcher, path []string, inOr bool, depth int) ([]map[string][]matcher, error) {
	if depth > maxDepth {
		return nil, fail("Pattern is nested too deeply (more than %d levels)", maxDepth)
	}
	fields := 0
	for {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim('}') {
			break
		}
		fields++
		name := tok.(string)
		if name == "$or" {
			if branches, err = p.or(branches, path, depth); err != nil {
				return nil, err
			}
			continue
		}
		tok, err = p.token()
		if err != nil {
			return nil, err
		}
		switch tok {
		case json.Delim('{'):
			if branches, err = p.object(branches, append(path, name), inOr, depth+1); err != nil {
				return nil, err
			}
		case json.Delim('['):
			ms, err := p.values()
			if err != nil {
				return nil, err
			}
			full := strings.Join(append(path[:len(path):len(path)], name), ".")
			for _, b := range branches {
				b[full] = ms
			}
		default:
			return nil, fail("%q must be an object or an array", name)
		}
	}
	if fields == 0 {
		return nil, fail("Empty objects are not allowed")
	}
	return branches, nil
}

// or reads the array of a $or: each object in it is an alternative for every branch so far.
func (p *parser) or(branches []map[string][]matcher, path []string, depth int) ([]map[string][]matcher, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, fail("It must be an Array followed with $or.")
	}
	var out []map[string][]matcher
	alternatives := 0
	for {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') {
			break
		}
		if tok != json.Delim('{') {
			return nil, fail("Only JSON object is allowed in array of $or relationship.")
		}
		alternatives++
		forked := make([]map[string][]matcher, len(branches))
		for i, b := range branches {
			forked[i] = make(map[string][]matcher, len(b))
			for k, v := range b {
				forked[i][k] = v
			}
		}
		if forked, err = p.object(forked, path, true, depth+1); err != nil {
			return nil, err
		}
		out = append(out, forked...)
		if len(out) > maxBranches {
			return nil, fail("Pattern is too complex: $or makes more than %d combinations", maxBranches)
		}
	}
	if alternatives < 2 {
		return nil, fail("There must have at least 2 Objects in $or relationship.")
	}
	return out, nil
}

// values reads the matchers of a field, whose '[' was read.
func (p *parser) values() ([]matcher, error) {
	var ms []matcher
	for {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case ']':
				if len(ms) == 0 {
					return nil, fail("Empty arrays are not allowed")
				}
				return ms, nil
			case '{':
				m, err := p.expression()
				if err != nil {
					return nil, err
				}
				ms = append(ms, m)
			default:
				return nil, fail("Match value must be String, number, true, false, or null")
			}
		case string:
			ms = append(ms, newExactString(v))
		case json.Number:
			ms = append(ms, exactNumber{text: v.String(), value: numberValue(v)})
		case bool:
			ms = append(ms, exactBool(v))
		case nil:
			ms = append(ms, exactNull{})
		}
	}
}

// expression reads a match expression, whose '{' was read.
func (p *parser) expression() (matcher, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	name, ok := tok.(string)
	if !ok {
		return nil, fail("Match expression name not found")
	}
	var m matcher
	switch name {
	case "prefix", "suffix":
		m, err = p.affix(name)
	case "equals-ignore-case":
		s, err2 := p.stringValue(name + " match pattern must be a string")
		m, err = ignoreCase{want: s}, err2
	case "wildcard":
		var s string
		if s, err = p.stringValue("wildcard match pattern must be a string"); err == nil {
			m, err = newWildcard(s)
		}
	case "numeric":
		m, err = p.numeric()
	case "anything-but":
		m, err = p.anythingBut()
	case "exists":
		tok, err2 := p.token()
		if err2 != nil {
			return nil, err2
		}
		b, ok := tok.(bool)
		if !ok {
			return nil, fail("exists match pattern must be either true or false.")
		}
		m = exists(b)
	case "cidr":
		var s string
		if s, err = p.stringValue("prefix match pattern must be a string"); err == nil {
			m, err = newCIDR(s)
		}
	default:
		return nil, fail("Unrecognized match type %s", name)
	}
	if err != nil {
		return nil, err
	}
	if err := p.end("Only one key allowed in match expression"); err != nil {
		return nil, err
	}
	return m, nil
}

// end reads the '}' that closes an expression.
func (p *parser) end(reason string) error {
	tok, err := p.token()
	if err != nil {
		return err
	}
	if tok != json.Delim('}') {
		return fail("%s", reason)
	}
	return nil
}

func (p *parser) stringValue(reason string) (string, error) {
	tok, err := p.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fail("%s", reason)
	}
	return s, nil
}

// affix reads the value of prefix or suffix: a string, or {"equals-ignore-case": string}.
func (p *parser) affix(kind string) (matcher, error) {
	reason := kind + " match pattern must be a string"
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if tok == json.Delim('{') {
		tok, err = p.token()
		if err != nil {
			return nil, err
		}
		if tok != "equals-ignore-case" {
			return nil, fail("Unsupported %s pattern: %v", kind, tok)
		}
		if tok, err = p.token(); err != nil {
			return nil, err
		}
		s, ok := tok.(string)
		if !ok {
			return nil, fail("equals-ignore-case match pattern must be a string")
		}
		if err := p.end("Only one key allowed in match expression"); err != nil {
			return nil, err
		}
		return affix{suffix: kind == "suffix", text: s, foldCase: true}, nil
	}
	s, ok := tok.(string)
	if !ok {
		return nil, fail("%s", reason)
	}
	return affix{suffix: kind == "suffix", text: s}, nil
}

// numeric reads ["op", n] or ["op", n, "op", n].
func (p *parser) numeric() (matcher, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, fail("Value of numeric must be an array.")
	}
	r := numericRange{low: math.Inf(-1), high: math.Inf(1)}
	readOp := func() (string, float64, bool, error) {
		tok, err := p.token()
		if err != nil {
			return "", 0, false, err
		}
		if tok == json.Delim(']') {
			return "", 0, true, nil
		}
		op, ok := tok.(string)
		if !ok {
			return "", 0, false, fail("Invalid member in numeric match: %v", tokenText(tok))
		}
		tok, err = p.token()
		if err != nil {
			return "", 0, false, err
		}
		n, ok := tok.(json.Number)
		if !ok {
			return "", 0, false, fail("Value of %s must be numeric", op)
		}
		return op, numberValue(n), false, nil
	}
	op, v, closed, err := readOp()
	if err != nil {
		return nil, err
	}
	if closed {
		return nil, fail("Invalid member in numeric match: ]")
	}
	switch op {
	case "=":
		r.low, r.high = v, v
		return r, p.closeNumeric(true)
	case "<":
		r.high, r.openHigh = v, true
		return r, p.closeNumeric(true)
	case "<=":
		r.high = v
		return r, p.closeNumeric(true)
	case ">", ">=":
		r.low, r.openLow = v, op == ">"
	default:
		return nil, fail("Unrecognized numeric range operator: %s", op)
	}
	op, v, closed, err = readOp()
	if err != nil || closed {
		return r, err
	}
	switch op {
	case "<":
		r.high, r.openHigh = v, true
	case "<=":
		r.high = v
	default:
		return nil, fail("Bad numeric range operator: %s", op)
	}
	if r.low > r.high {
		return nil, fail("Bottom must be less than top")
	}
	return r, p.closeNumeric(false)
}

func (p *parser) closeNumeric(single bool) error {
	tok, err := p.token()
	if err != nil {
		return err
	}
	if tok != json.Delim(']') {
		if single {
			return fail("Too many elements in numeric expression")
		}
		return fail("Too many terms in numeric range expression")
	}
	return nil
}

func tokenText(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return string(v)
	case nil:
		return "null"
	default:
		return fmt.Sprint(v)
	}
}

// anythingBut reads the value of anything-but.
func (p *parser) anythingBut() (matcher, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case string:
		return anythingBut{strings: []string{v}}, nil
	case json.Number:
		return anythingBut{numbers: []float64{numberValue(v)}}, nil
	case json.Delim:
		switch v {
		case '[':
			return p.anythingButList()
		case '{':
			return p.anythingButObject()
		}
	}
	return nil, fail("Value of anything-but must be an array or single string/number value.")
}

func (p *parser) anythingButList() (matcher, error) {
	var ab anythingBut
	for {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		switch v := tok.(type) {
		case string:
			ab.strings = append(ab.strings, v)
			continue
		case json.Number:
			ab.numbers = append(ab.numbers, numberValue(v))
			continue
		}
		if tok == json.Delim(']') {
			break
		}
		return nil, fail("Inside anything but list, start|null|boolean is not supported.")
	}
	if (len(ab.strings) > 0) == (len(ab.numbers) > 0) {
		return nil, fail("Inside anything but list, either all values are number or string, mixed type is not supported")
	}
	return ab, nil
}

// anythingButObject reads {"prefix"|"suffix"|"wildcard"|"equals-ignore-case": ...}, whose '{' was read.
func (p *parser) anythingButObject() (matcher, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	op, ok := tok.(string)
	if !ok {
		return nil, fail("Anything-But expression name not found")
	}
	var inner []matcher
	switch op {
	case "prefix", "suffix":
		vals, err := p.oneOrList(func(tok json.Token) (string, error) {
			switch v := tok.(type) {
			case string:
				if v == "" {
					return "", fail("Null prefix/suffix not allowed")
				}
				return v, nil
			case json.Delim:
				if v == '{' {
					return "", fail("Value of anything-but must be an array or single string/number value.")
				}
			}
			return "", fail("prefix/suffix match pattern must be a string")
		})
		if err != nil {
			return nil, err
		}
		for _, s := range vals {
			inner = append(inner, affix{suffix: op == "suffix", text: s})
		}
	case "wildcard":
		vals, err := p.oneOrList(func(tok json.Token) (string, error) {
			if s, ok := tok.(string); ok {
				return s, nil
			}
			return "", fail("wildcard match pattern must be a string")
		})
		if err != nil {
			return nil, err
		}
		for _, s := range vals {
			w, err := newWildcard(s)
			if err != nil {
				return nil, err
			}
			inner = append(inner, w)
		}
	case "equals-ignore-case":
		vals, err := p.oneOrList(func(tok json.Token) (string, error) {
			if s, ok := tok.(string); ok {
				return s, nil
			}
			return "", fail("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
		})
		if err != nil {
			return nil, err
		}
		for _, s := range vals {
			inner = append(inner, ignoreCase{want: s})
		}
	default:
		return nil, fail("Unsupported anything-but pattern: %s", op)
	}
	if err := p.end("Only one key allowed in match expression"); err != nil {
		return nil, err
	}
	return anythingBut{inner: inner}, nil
}

// oneOrList reads a single value or a non-empty list of them, each checked by one.
func (p *parser) oneOrList(one func(json.Token) (string, error)) ([]string, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		s, err := one(tok)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	var out []string
	for {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') {
			if len(out) == 0 {
				return nil, fail("Empty arrays are not allowed")
			}
			return out, nil
		}
		s, err := one(tok)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
}

func numberValue(n json.Number) float64 {
	f, err := n.Float64()
	if err != nil {
		return math.NaN()
	}
	return f
}

func newCIDR(s string) (matcher, error) {
	addr, bits, found := strings.Cut(s, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, fail("Nonstandard IP address: %s", addr)
	}
	if !found {
		return cidr{prefix: netip.PrefixFrom(ip, ip.BitLen())}, nil
	}
	prefix, err := netip.ParsePrefix(ip.String() + "/" + bits)
	if err != nil {
		return nil, fail("Malformed CIDR, one '/' required: %s", s)
	}
	return cidr{prefix: prefix.Masked()}, nil
}

// Compact is the pattern's text without insignificant white space, for storing and comparing.
func Compact(text string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(text)) != nil {
		return text
	}
	return b.String()
}

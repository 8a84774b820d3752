package asl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// jsonKind is the JSON type of a node.
type jsonKind int

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonNode is a decoded JSON value that keeps object key order, which templates and the
// re-serialised definition in some AWS messages need; encoding/json's map[string]any loses it.
type jsonNode struct {
	kind    jsonKind
	boolean bool
	number  float64
	raw     string // a number's text as written
	str     string
	items   []*jsonNode
	members []jsonMember
}

type jsonMember struct {
	key   string
	value *jsonNode
}

// get returns the value of key, the last one when the key repeats (as Jackson's tree does).
func (n *jsonNode) get(key string) *jsonNode {
	for i := len(n.members) - 1; i >= 0; i-- {
		if n.members[i].key == key {
			return n.members[i].value
		}
	}
	return nil
}

// value converts the node to the engine's value form (internal/jsonvalue): objects keep
// the definition's key order.
func (n *jsonNode) value() any {
	switch n.kind {
	case jsonBool:
		return n.boolean
	case jsonNumber:
		// as AWS reads it: big integers exact, decimals rendered as Java does
		if v, err := jsonvalue.ParseNumber(n.raw, !strings.ContainsAny(n.raw, ".eE")); err == nil {
			return v
		}
		return n.number
	case jsonString:
		return n.str
	case jsonArray:
		out := make([]any, len(n.items))
		for i, it := range n.items {
			out[i] = it.value()
		}
		return out
	case jsonObject:
		out := jsonvalue.NewObject(len(n.members))
		for _, m := range n.members {
			out.Set(m.key, m.value.value())
		}
		return out
	}
	return nil
}

// isInteger reports whether a number node holds an integral value.
func (n *jsonNode) isInteger() bool {
	return n.kind == jsonNumber && n.number == math.Trunc(n.number)
}

// int64Value returns an integral number, saturated to the int64 range (AWS accepts, and caps,
// integers beyond it).
func (n *jsonNode) int64Value() int64 {
	switch {
	case n.number >= math.MaxInt64:
		return math.MaxInt64
	case n.number <= math.MinInt64:
		return math.MinInt64
	}
	return int64(n.number)
}

// jsonSyntaxError is a JSON syntax problem, worded like Jackson's JsonParseException (AWS's
// parser) so INVALID_JSON_DESCRIPTION diagnostics read as AWS's do.
type jsonSyntaxError struct {
	Message  string // without the location suffix
	Location string // "[Source: (String)\"...\"; line: L, column: C]"
}

func (e *jsonSyntaxError) Error() string { return e.Message + "\n at " + e.Location }

// jsonMaxDepth bounds nesting so hostile input cannot exhaust the stack.
const jsonMaxDepth = 1000

// decodeJSON parses one JSON document. Trailing non-space text is an error.
func decodeJSON(data []byte) (*jsonNode, *jsonSyntaxError) {
	d := &jsonDecoder{src: string(data)}
	d.skipSpace()
	n := d.parseValue(0)
	if d.err != nil {
		return nil, d.err
	}
	d.skipSpace()
	if d.pos < len(d.src) && d.err == nil {
		d.failUnexpected("expected end-of-input")
		return nil, d.err
	}
	return n, nil
}

type jsonDecoder struct {
	src string
	pos int
	err *jsonSyntaxError
}

func (d *jsonDecoder) fail(msg string) {
	if d.err != nil {
		return
	}
	d.err = &jsonSyntaxError{Message: msg, Location: d.location(d.pos)}
}

// location renders Jackson's source reference; Jackson counts lines and 1-based columns and
// shows at most 500 characters of the source.
func (d *jsonDecoder) location(pos int) string {
	line, col := 1, 1
	for _, r := range d.src[:min(pos, len(d.src))] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	src := d.src
	suffix := ""
	if n := utf8.RuneCountInString(src); n > 500 {
		runes := []rune(src)
		src = string(runes[:500])
		suffix = fmt.Sprintf("[truncated %d chars]", n-500)
	}
	return fmt.Sprintf("[Source: (String)\"%s\"%s; line: %d, column: %d]", src, suffix, line, col)
}

func (d *jsonDecoder) skipSpace() {
	for d.pos < len(d.src) {
		switch d.src[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// failUnexpected reports the character at pos. Jackson has consumed it when it reports, so
// its column is the one after the character.
func (d *jsonDecoder) failUnexpected(expectation string) {
	desc := d.describeChar()
	_, size := utf8.DecodeRuneInString(d.src[d.pos:])
	d.pos += size
	d.fail(fmt.Sprintf("Unexpected character (%s): %s", desc, expectation))
}

// describeChar renders the character at pos the way Jackson does: ('x' (code 120)).
func (d *jsonDecoder) describeChar() string {
	r, _ := utf8.DecodeRuneInString(d.src[d.pos:])
	if r < 0x20 {
		return fmt.Sprintf("(CTRL-CHAR, code %d)", r)
	}
	return fmt.Sprintf("'%c' (code %d)", r, r)
}

func (d *jsonDecoder) parseValue(depth int) *jsonNode {
	if d.pos >= len(d.src) {
		d.fail("Unexpected end-of-input: expected a value")
		return nil
	}
	if depth > jsonMaxDepth {
		d.fail("Document nesting depth exceeds the maximum allowed (1000)")
		return nil
	}
	c := d.src[d.pos]
	switch {
	case c == '{':
		return d.parseObject(depth)
	case c == '[':
		return d.parseArray(depth)
	case c == '"':
		s, ok := d.parseString("VALUE_STRING")
		if !ok {
			return nil
		}
		return &jsonNode{kind: jsonString, str: s}
	case c == '-' || (c >= '0' && c <= '9'):
		return d.parseNumber()
	case c == ']' || c == '}' || c == ',' || c == ':':
		d.failUnexpected("expected a value")
		return nil
	}
	word := d.readWord()
	switch word {
	case "true":
		return &jsonNode{kind: jsonBool, boolean: true}
	case "false":
		return &jsonNode{kind: jsonBool}
	case "null":
		return &jsonNode{kind: jsonNull}
	}
	d.fail(fmt.Sprintf("Unrecognized token '%s': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", word))
	return nil
}

// readWord consumes an unquoted token as Jackson does when it reports an unrecognized one.
func (d *jsonDecoder) readWord() string {
	start := d.pos
	for d.pos < len(d.src) {
		r, size := utf8.DecodeRuneInString(d.src[d.pos:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$') {
			break
		}
		d.pos += size
	}
	if d.pos == start {
		_, size := utf8.DecodeRuneInString(d.src[d.pos:])
		d.pos += size
	}
	return d.src[start:d.pos]
}

func (d *jsonDecoder) parseObject(depth int) *jsonNode {
	start := d.pos
	d.pos++ // {
	n := &jsonNode{kind: jsonObject}
	d.skipSpace()
	if d.pos < len(d.src) && d.src[d.pos] == '}' {
		d.pos++
		return n
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.src) {
			d.fail(fmt.Sprintf("Unexpected end-of-input: expected close marker for Object (start marker at %s)", d.location(start+1)))
			return nil
		}
		if d.src[d.pos] != '"' {
			d.failUnexpected("was expecting double-quote to start field name")
			return nil
		}
		key, ok := d.parseString("field name")
		if !ok {
			return nil
		}
		d.skipSpace()
		if d.pos >= len(d.src) {
			d.fail(fmt.Sprintf("Unexpected end-of-input: expected close marker for Object (start marker at %s)", d.location(start+1)))
			return nil
		}
		if d.src[d.pos] != ':' {
			d.failUnexpected("was expecting a colon to separate field name and value")
			return nil
		}
		d.pos++
		d.skipSpace()
		v := d.parseValue(depth + 1)
		if d.err != nil {
			return nil
		}
		n.members = append(n.members, jsonMember{key: key, value: v})
		d.skipSpace()
		if d.pos >= len(d.src) {
			d.fail(fmt.Sprintf("Unexpected end-of-input: expected close marker for Object (start marker at %s)", d.location(start+1)))
			return nil
		}
		switch d.src[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return n
		default:
			d.failUnexpected("was expecting comma to separate Object entries")
			return nil
		}
	}
}

func (d *jsonDecoder) parseArray(depth int) *jsonNode {
	start := d.pos
	d.pos++ // [
	n := &jsonNode{kind: jsonArray}
	d.skipSpace()
	if d.pos < len(d.src) && d.src[d.pos] == ']' {
		d.pos++
		return n
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.src) {
			d.fail(fmt.Sprintf("Unexpected end-of-input: expected close marker for Array (start marker at %s)", d.location(start+1)))
			return nil
		}
		v := d.parseValue(depth + 1)
		if d.err != nil {
			return nil
		}
		n.items = append(n.items, v)
		d.skipSpace()
		if d.pos >= len(d.src) {
			d.fail(fmt.Sprintf("Unexpected end-of-input: expected close marker for Array (start marker at %s)", d.location(start+1)))
			return nil
		}
		switch d.src[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return n
		default:
			d.failUnexpected("was expecting comma to separate Array entries")
			return nil
		}
	}
}

// parseString reads a quoted string; what names the token in end-of-input messages.
func (d *jsonDecoder) parseString(what string) (string, bool) {
	d.pos++ // opening quote
	var b strings.Builder
	for {
		if d.pos >= len(d.src) {
			d.fail("Unexpected end-of-input in " + what)
			return "", false
		}
		c := d.src[d.pos]
		switch {
		case c == '"':
			d.pos++
			return b.String(), true
		case c == '\\':
			if !d.parseEscape(&b, what) {
				return "", false
			}
		case c < 0x20:
			d.fail(fmt.Sprintf("Illegal unquoted character ((CTRL-CHAR, code %d)): has to be escaped using backslash to be included in string value", c))
			return "", false
		default:
			r, size := utf8.DecodeRuneInString(d.src[d.pos:])
			b.WriteRune(r)
			d.pos += size
		}
	}
}

func (d *jsonDecoder) parseEscape(b *strings.Builder, what string) bool {
	d.pos++ // backslash
	if d.pos >= len(d.src) {
		d.fail("Unexpected end-of-input in " + what)
		return false
	}
	c := d.src[d.pos]
	d.pos++
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r, ok := d.hex4()
		if !ok {
			return false
		}
		if utf16.IsSurrogate(r) && strings.HasPrefix(d.src[d.pos:], `\u`) {
			save := d.pos
			d.pos += 2
			r2, ok := d.hex4()
			if ok {
				if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
					b.WriteRune(dec)
					return true
				}
			}
			d.err = nil
			d.pos = save
		}
		b.WriteRune(r)
	default:
		d.pos--
		d.fail(fmt.Sprintf("Unrecognized character escape %s", d.describeChar()))
		return false
	}
	return true
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if d.pos+4 > len(d.src) {
		d.pos = len(d.src)
		d.fail("Unexpected end-of-input within/between String entries")
		return 0, false
	}
	v, err := strconv.ParseUint(d.src[d.pos:d.pos+4], 16, 32)
	if err != nil {
		d.fail("Unexpected character: expected a hex-digit for character escape sequence")
		return 0, false
	}
	d.pos += 4
	return rune(v), true
}

func (d *jsonDecoder) parseNumber() *jsonNode {
	start := d.pos
	if d.src[d.pos] == '-' {
		d.pos++
	}
	digits := func() int {
		s := d.pos
		for d.pos < len(d.src) && d.src[d.pos] >= '0' && d.src[d.pos] <= '9' {
			d.pos++
		}
		return d.pos - s
	}
	intStart := d.pos
	if digits() == 0 {
		d.fail(fmt.Sprintf("Unexpected character (%s) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value", d.charOrEnd()))
		return nil
	}
	if d.src[intStart] == '0' && d.pos-intStart > 1 {
		d.fail("Invalid numeric value: Leading zeroes not allowed")
		return nil
	}
	if d.pos < len(d.src) && d.src[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			d.fail(fmt.Sprintf("Unexpected character (%s) in numeric value: Decimal point not followed by a digit", d.charOrEnd()))
			return nil
		}
	}
	if d.pos < len(d.src) && (d.src[d.pos] == 'e' || d.src[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.src) && (d.src[d.pos] == '+' || d.src[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			d.fail(fmt.Sprintf("Unexpected character (%s) in numeric value: Exponent indicator not followed by a digit", d.charOrEnd()))
			return nil
		}
	}
	raw := d.src[start:d.pos]
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		// Out of float64 range: keep the text; the value saturates like Jackson's double.
		if strings.HasPrefix(raw, "-") {
			f = -1.7976931348623157e308
		} else {
			f = 1.7976931348623157e308
		}
	}
	return &jsonNode{kind: jsonNumber, number: f, raw: raw}
}

func (d *jsonDecoder) charOrEnd() string {
	if d.pos >= len(d.src) {
		return "end-of-input"
	}
	return d.describeChar()
}

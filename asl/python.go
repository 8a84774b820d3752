package asl

import (
	"fmt"
	"github.com/stepflow/stepflow/internal/pyjson"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
)

// pythonRepr renders s as Python 3's repr() does, which some AWS messages embed.
func pythonRepr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case pythonPrintable(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pythonPrintable approximates Python's str.isprintable: not a control, format, surrogate,
// private-use or unassigned character, and not a separator other than the ASCII space.
func pythonPrintable(r rune) bool {
	if r == ' ' {
		return true
	}
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Cs, unicode.Co, unicode.Zs, unicode.Zl, unicode.Zp) {
		return false
	}
	return unicode.IsGraphic(r) || unicode.IsPrint(r)
}

// pythonJSONDumps renders a node as Python's json.dumps does by default: ", " and ": "
// separators, non-ASCII escaped as \uXXXX, integers as written, floats as Python's repr.
func pythonJSONDumps(n *jsonNode) string {
	var b strings.Builder
	writePythonJSON(&b, n)
	return b.String()
}

func writePythonJSON(b *strings.Builder, n *jsonNode) {
	switch n.kind {
	case jsonNull:
		b.WriteString("null")
	case jsonBool:
		b.WriteString(strconv.FormatBool(n.boolean))
	case jsonNumber:
		b.WriteString(pythonNumber(n))
	case jsonString:
		pyjson.WriteString(b, n.str)
	case jsonArray:
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteString(", ")
			}
			writePythonJSON(b, it)
		}
		b.WriteByte(']')
	case jsonObject:
		// Python dicts keep one entry per key, at the position of its first occurrence,
		// holding the last value.
		b.WriteByte('{')
		seen := make(map[string]bool, len(n.members))
		first := true
		for _, m := range n.members {
			if seen[m.key] {
				continue
			}
			seen[m.key] = true
			if !first {
				b.WriteString(", ")
			}
			first = false
			pyjson.WriteString(b, m.key)
			b.WriteString(": ")
			writePythonJSON(b, n.get(m.key))
		}
		b.WriteByte('}')
	}
}

// pythonNumber renders a number as Python's json module would after json.loads: integers
// (no '.', 'e' or 'E') exactly, floats with Python's float repr.
func pythonNumber(n *jsonNode) string {
	if !strings.ContainsAny(n.raw, ".eE") {
		var i big.Int
		if _, ok := i.SetString(n.raw, 10); ok {
			return i.String()
		}
	}
	f := n.number
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	digits := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX, shortest round-trip
	mant, expText, _ := strings.Cut(digits, "e")
	exp, _ := strconv.Atoi(expText)
	if exp < -4 || exp >= 16 {
		if !strings.Contains(mant, ".") {
			return fmt.Sprintf("%se%+03d", mant, exp)
		}
		return fmt.Sprintf("%se%+03d", mant, exp)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

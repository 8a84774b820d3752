// Package pyjson writes JSON text the way Python's json.dumps does with its default
// arguments: ", " and ": " separators and every non-ASCII character escaped. AWS shows such
// text in places (a Python Lambda runtime's error documents; the InvalidDefinition message of
// a Map Label, which quotes the definition re-serialised by Python).
package pyjson

import (
	"fmt"
	"strings"
)

// WriteString writes s as a JSON string literal, escaped as json.dumps escapes it.
func WriteString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
}

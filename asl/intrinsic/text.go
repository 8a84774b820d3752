package intrinsic

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// maxTextBytes bounds the text an intrinsic builds (States.Format, States.JsonToString and
// the keys of States.ArrayUnique). A payload is at most 256 KiB, but nested calls can refer
// to one value many times (States.Array($.big, $.big, ...)), whose text is then that many
// times larger; past this bound the writers stop and the call fails.
const maxTextBytes = 8 << 20

// textTooLong reports whether b has outgrown maxTextBytes, so a writer stops adding to it.
func textTooLong(b *strings.Builder) bool { return b.Len() > maxTextBytes }

func textLimitFailure(name string) *Error {
	return failure("%s would build a text longer than %d bytes", name, maxTextBytes)
}

// jsonText encodes a decoded JSON value compactly, without escaping <, > and &, with object
// keys in order and integral numbers without a decimal point (States.JsonToString). Past
// maxTextBytes the text is cut short.
func jsonText(v any) string {
	var b strings.Builder
	writeJSON(&b, v)
	return b.String()
}

func writeJSON(b *strings.Builder, v any) {
	if textTooLong(b) {
		return
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case float64:
		b.WriteString(formatNumber(x))
	case string:
		writeJSONString(b, x)
	case []any:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, item)
		}
		b.WriteByte(']')
	case *jsonvalue.Object, map[string]any:
		o, _ := jsonvalue.AsObject(x)
		b.WriteByte('{')
		for i := range o.Len() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, o.KeyAt(i))
			b.WriteByte(':')
			writeJSON(b, o.ValueAt(i))
		}
		b.WriteByte('}')
	case json.Number:
		b.WriteString(string(x))
	default:
		// Not a decoded JSON value; let encoding/json decide.
		data, err := json.Marshal(x)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(data)
	}
}

// writeJSONString quotes s as JSON: quotes, backslashes and control characters escaped,
// everything else (HTML characters, non-ASCII) as is.
func writeJSONString(b *strings.Builder, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// formatNumber writes integral numbers without a decimal point (3, not 3.0) and others in
// their shortest form (1.1).
func formatNumber(f float64) string {
	if f == 0 {
		return "0"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// writeNatural writes a value as States.Format shows it: strings without quotes, numbers,
// booleans and null as in JSON, objects as {key=value, ...} and arrays as [a, b], the way
// AWS prints them (recorded: {Arg1=1, Arg2=[]}).
func writeNatural(b *strings.Builder, v any) {
	if textTooLong(b) {
		return
	}
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case []any:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeNatural(b, item)
		}
		b.WriteByte(']')
	case *jsonvalue.Object, map[string]any:
		o, _ := jsonvalue.AsObject(x)
		b.WriteByte('{')
		for i := range o.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(o.KeyAt(i))
			b.WriteByte('=')
			writeNatural(b, o.ValueAt(i))
		}
		b.WriteByte('}')
	default:
		writeJSON(b, x)
	}
}

package jsonata

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// formatNumber renders a float64 the way JavaScript's Number#toString does, which is what
// JSONata's output (and JSON.stringify) produces: shortest round-trip digits, exponent
// notation only below 1e-6 or from 1e21.
func formatNumber(f float64) string {
	if f == 0 {
		return "0"
	}
	if math.IsNaN(f) {
		return "NaN"
	}
	if math.IsInf(f, 1) {
		return "Infinity"
	}
	if math.IsInf(f, -1) {
		return "-Infinity"
	}
	sign := ""
	if f < 0 {
		sign = "-"
		f = -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expPart, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, _ := strconv.Atoi(expPart)
	k := len(digits)
	n := exp + 1
	var out string
	switch {
	case k <= n && n <= 21:
		out = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		out = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		out = "0." + strings.Repeat("0", -n) + digits
	default:
		out = digits[:1]
		if k > 1 {
			out += "." + digits[1:]
		}
		if n-1 >= 0 {
			out += "e+" + strconv.Itoa(n-1)
		} else {
			out += "e-" + strconv.Itoa(1-n)
		}
	}
	return sign + out
}

// precision15 rounds to 15 significant digits, as JSONata does before printing numbers, to
// hide binary floating point noise (0.1+0.2 prints as 0.3).
func precision15(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		return f
	}
	return r
}

// stringify is $string: strings unchanged, functions empty, everything else as JSON. The
// JSON text counts against b (nil: not counted). compat206 writes numbers as jsonata-js
// 2.0.6 does, integers rounded to 15 significant digits as well.
func stringify(b *budget, v any, pretty, compat206 bool) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case callable:
		return "", nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "", newError("D3001", 0, "", x)
		}
	case *seq:
		if x.outerWrapper && len(x.items) > 0 {
			v = x.items[0]
		}
	}
	if hasNonFinite(v) {
		return "", newError("D1001", 0, "", nil)
	}
	var sb strings.Builder
	w := jsonWriter{sb: &sb, budget: b, roundIntegers: compat206}
	if pretty {
		w.indent = "  "
	}
	w.write(v, "")
	w.finish()
	return sb.String(), nil
}

func hasNonFinite(v any) bool {
	return hasNonFiniteAt(0, v)
}

func hasNonFiniteAt(depth int, v any) bool {
	checkValueDepth(depth)
	switch x := v.(type) {
	case float64:
		return math.IsInf(x, 0) || math.IsNaN(x)
	case *seq, []any:
		items, _ := asArray(x)
		for _, it := range items {
			if hasNonFiniteAt(depth+1, it) {
				return true
			}
		}
	case *object, *jsonvalue.Object, map[string]any:
		for _, k := range objectKeys(x) {
			val, _ := objectGet(x, k)
			if hasNonFiniteAt(depth+1, val) {
				return true
			}
		}
	}
	return false
}

// jsonWriter renders internal values as JSON. exact prints numbers with full precision
// (results); otherwise non-integers are rounded to 15 significant digits ($string).
//
// A value that shares one array a million times is small in memory but not as text, so the
// writer watches its length as it goes: past the budget's room it spends the budget (which
// stops the evaluation), and past limit it stops writing and sets truncated.
type jsonWriter struct {
	depth  int
	sb     *strings.Builder
	indent string
	exact  bool
	// roundIntegers rounds integers to 15 significant digits too, as jsonata-js 2.0.6's
	// $string does (2.2 leaves integers exact)
	roundIntegers bool
	budget        *budget // nil: not counted
	limit         int     // > 0: write at most about this many bytes
	truncated     bool
}

// full reports whether the writer must stop, spending the budget when the text has
// outgrown the room left in it.
func (w *jsonWriter) full() bool {
	if w.truncated {
		return true
	}
	n := w.sb.Len()
	if w.limit > 0 && n > w.limit {
		w.truncated = true
		return true
	}
	if room := w.budget.stringRoom(); room >= 0 && n > room {
		w.budget.spendString(n) // panics
	}
	return false
}

// finish counts the text written against the budget.
func (w *jsonWriter) finish() { w.budget.spendString(w.sb.Len()) }

func (w *jsonWriter) write(v any, indent string) {
	if w.full() {
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	checkValueDepth(w.depth)
	sb := w.sb
	switch x := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		if x {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case float64:
		switch {
		case math.IsInf(x, 0) || math.IsNaN(x):
			sb.WriteString("null")
		case w.exact || x == math.Trunc(x) && !w.roundIntegers:
			sb.WriteString(formatNumber(x))
		default:
			sb.WriteString(formatNumber(precision15(x)))
		}
	case json.Number:
		// a number the input holds exactly keeps its text, in results and in $string alike
		// (docs/values.md)
		sb.WriteString(string(x))
	case string:
		if w.limit > 0 && len(x) > w.limit {
			x = truncateUTF8(x, w.limit)
			w.truncated = true
		}
		writeJSONString(sb, x)
	case callable:
		if w.exact {
			sb.WriteString("null")
		} else {
			sb.WriteString(`""`)
		}
	case *seq, []any:
		items, _ := asArray(x)
		var kept []any
		for _, it := range items {
			if it != Undefined {
				kept = append(kept, it)
			}
		}
		if len(kept) == 0 {
			sb.WriteString("[]")
			return
		}
		sb.WriteByte('[')
		inner := indent + w.indent
		for i, it := range kept {
			if w.full() {
				return
			}
			if i > 0 {
				sb.WriteByte(',')
			}
			if w.indent != "" {
				sb.WriteString("\n" + inner)
			}
			w.write(it, inner)
		}
		if w.indent != "" {
			sb.WriteString("\n" + indent)
		}
		sb.WriteByte(']')
	case *object, *jsonvalue.Object, map[string]any:
		first := true
		inner := indent + w.indent
		sb.WriteByte('{')
		for _, k := range objectKeys(x) {
			val, _ := objectGet(x, k)
			if val == Undefined || (w.exact && isFunction(val)) {
				continue
			}
			if w.full() {
				return
			}
			if !first {
				sb.WriteByte(',')
			}
			first = false
			if w.indent != "" {
				sb.WriteString("\n" + inner)
			}
			writeJSONString(sb, k)
			sb.WriteByte(':')
			if w.indent != "" {
				sb.WriteByte(' ')
			}
			w.write(val, inner)
		}
		if w.indent != "" && !first {
			sb.WriteString("\n" + indent)
		}
		sb.WriteByte('}')
	default:
		sb.WriteString("null")
	}
}

// writeJSONString writes s as a JSON string, copying runs that need no escape whole.
// Invalid UTF-8 becomes U+FFFD, as when ranging over the string's runes.
func writeJSONString(sb *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	sb.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				sb.WriteString(s[start:i])
				sb.WriteString("\uFFFD")
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		sb.WriteString(s[start:i])
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		default:
			sb.WriteString(`\u00`)
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&15])
		}
		i++
		start = i
	}
	sb.WriteString(s[start:])
	sb.WriteByte('"')
}

func toUTF16(s string) []uint16 { return utf16.Encode([]rune(s)) }

package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
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

// stringify is $string: strings unchanged, functions empty, everything else as JSON.
func stringify(v any, pretty bool) (string, error) {
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
	writeJSON(&sb, v, pretty, "")
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
	case *object, map[string]any:
		for _, k := range objectKeys(x) {
			val, _ := objectGet(x, k)
			if hasNonFiniteAt(depth+1, val) {
				return true
			}
		}
	}
	return false
}

func writeJSON(sb *strings.Builder, v any, pretty bool, indent string) {
	w := jsonWriter{sb: sb}
	if pretty {
		w.indent = "  "
	}
	w.write(v, indent)
}

// jsonWriter renders internal values as JSON. exact prints numbers with full precision
// (results); otherwise non-integers are rounded to 15 significant digits ($string).
type jsonWriter struct {
	depth  int
	sb     *strings.Builder
	indent string
	exact  bool
}

func (w *jsonWriter) write(v any, indent string) {
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
		case w.exact || x == math.Trunc(x):
			sb.WriteString(formatNumber(x))
		default:
			sb.WriteString(formatNumber(precision15(x)))
		}
	case string:
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
	case *object, map[string]any:
		first := true
		inner := indent + w.indent
		sb.WriteByte('{')
		for _, k := range objectKeys(x) {
			val, _ := objectGet(x, k)
			if val == Undefined || (w.exact && isFunction(val)) {
				continue
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

func writeJSONString(sb *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
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
			if r < 0x20 {
				sb.WriteString(`\u00`)
				sb.WriteByte(hex[r>>4])
				sb.WriteByte(hex[r&15])
			} else {
				sb.WriteRune(r)
			}
		}
	}
	sb.WriteByte('"')
}

func toUTF16(s string) []uint16 { return utf16.Encode([]rune(s)) }

package interp

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// exceedsSize reports whether the JSON encoding of v is longer than limit bytes (limit 0 = no
// limit). It measures without encoding and stops as soon as the limit is passed, so checking
// a large payload costs at most one walk over limit bytes' worth of values.
func exceedsSize(v any, limit int) bool {
	if limit <= 0 {
		return false
	}
	return jsonSize(v, limit) > limit
}

// jsonSize is the length in bytes of v's compact JSON text as AWS measures it (UTF-8, no
// HTML escaping), or any number above budget once the size is known to pass it.
func jsonSize(v any, budget int) int {
	switch x := v.(type) {
	case nil:
		return 4
	case bool:
		if x {
			return 4
		}
		return 5
	case float64:
		return floatSize(x)
	case string:
		return stringSize(x)
	case []any:
		n := 2
		for i, item := range x {
			if i > 0 {
				n++
			}
			n += jsonSize(item, budget-n)
			if n > budget {
				return n
			}
		}
		return n
	case map[string]any:
		n := 2
		first := true
		for k, item := range x {
			if !first {
				n++
			}
			first = false
			n += stringSize(k) + 1
			n += jsonSize(item, budget-n)
			if n > budget {
				return n
			}
		}
		return n
	case int:
		return len(strconv.Itoa(x))
	case int64:
		return len(strconv.FormatInt(x, 10))
	default:
		return len(encodeJSON(v))
	}
}

// floatSize follows encoding/json's float64 format.
func floatSize(f float64) int {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 4
	}
	var buf [32]byte
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(buf[:0], f, format, -1, 64)
	if format == 'e' {
		// encoding/json writes e-07 as e-7
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			return n - 1
		}
	}
	return len(b)
}

// stringSize is the length of a JSON string literal: quotes, two-character escapes for quote,
// backslash and the common controls, \u00XX for other controls, other characters as UTF-8
// (an invalid byte counts as the 3-byte replacement character).
func stringSize(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += 3
		} else {
			n += size
		}
		i += size
	}
	return n
}

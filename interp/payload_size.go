package interp

import (
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"
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
	return (*sizer)(nil).size(v, budget)
}

// sizer measures payloads for one execution and remembers the sizes of large objects and
// arrays. Payloads are never modified in place (every change copies along its path), so a
// container's size stays true for as long as the container lives; the memo holds the
// container itself, so its address cannot be reused for another while remembered. A
// document passed from state to state is then measured once, not at every state.
type sizer struct {
	memo map[sizeKey]sizeEntry
}

type sizeKey struct {
	p unsafe.Pointer
	n int
}

type sizeEntry struct {
	v    any // keeps the container alive
	size int
}

// Only containers at least this large are remembered, and at most maxMemo of them, so the memo
// stays small next to the payloads it describes.
const (
	minMemoSize = 4 << 10
	maxMemo     = 4096
)

// exceeds is exceedsSize with the memo.
func (s *sizer) exceeds(v any, limit int) bool {
	if limit <= 0 {
		return false
	}
	return s.size(v, limit) > limit
}

func (s *sizer) size(v any, budget int) int {
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
		if len(x) == 0 {
			return 2
		}
		key := sizeKey{p: unsafe.Pointer(&x[0]), n: len(x)}
		if e, ok := s.lookup(key); ok {
			return e
		}
		n := 2
		for i, item := range x {
			if i > 0 {
				n++
			}
			n += s.size(item, budget-n)
			if n > budget {
				return n
			}
		}
		s.remember(key, x, n)
		return n
	case map[string]any:
		if len(x) == 0 {
			return 2
		}
		key := sizeKey{p: *(*unsafe.Pointer)(unsafe.Pointer(&x)), n: -1}
		if e, ok := s.lookup(key); ok {
			return e
		}
		n := 2
		first := true
		for k, item := range x {
			if !first {
				n++
			}
			first = false
			n += stringSize(k) + 1
			n += s.size(item, budget-n)
			if n > budget {
				return n
			}
		}
		s.remember(key, x, n)
		return n
	case int:
		return len(strconv.Itoa(x))
	case int64:
		return len(strconv.FormatInt(x, 10))
	default:
		return len(encodeJSON(v))
	}
}

func (s *sizer) lookup(k sizeKey) (int, bool) {
	if s == nil || s.memo == nil {
		return 0, false
	}
	e, ok := s.memo[k]
	return e.size, ok
}

// remember records an exact size (callers never pass one cut short by the budget).
func (s *sizer) remember(k sizeKey, v any, size int) {
	if s == nil || size < minMemoSize {
		return
	}
	if s.memo == nil || len(s.memo) >= maxMemo {
		s.memo = make(map[sizeKey]sizeEntry)
	}
	s.memo[k] = sizeEntry{v: v, size: size}
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

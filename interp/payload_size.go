package interp

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/stepflow/stepflow/internal/jsonvalue"
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
	v      any // keeps the container alive
	size   int
	height int
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

// MaxValueDepth bounds how deeply the values an execution holds may nest. A value nested
// deeper counts as larger than any payload limit. Go's encoding/json refuses documents
// nested more than 10,000 levels, and a value is stored inside a snapshot some levels
// deep: without this bound an input of 10,000 levels was accepted, and the execution could
// then not be restored from its snapshot. Real documents nest a few dozen levels.
const MaxValueDepth = 1000

// TooDeep reports whether v nests more than MaxValueDepth levels of arrays and objects,
// for callers that decode values at the edge (the API, task results) and want to refuse
// them there with a clear message.
func TooDeep(v any) bool { return tooDeepAt(v, 1) }

func tooDeepAt(v any, depth int) bool {
	switch x := v.(type) {
	case []any:
		if depth > MaxValueDepth {
			return true
		}
		for _, item := range x {
			if tooDeepAt(item, depth+1) {
				return true
			}
		}
	case *jsonvalue.Object:
		if depth > MaxValueDepth {
			return true
		}
		for i := range x.Len() {
			if tooDeepAt(x.ValueAt(i), depth+1) {
				return true
			}
		}
	case map[string]any:
		if depth > MaxValueDepth {
			return true
		}
		for _, item := range x {
			if tooDeepAt(item, depth+1) {
				return true
			}
		}
	}
	return false
}

func (s *sizer) size(v any, budget int) int {
	n, _ := s.sizeAt(v, budget, 1)
	return n
}

// sizeAt is size for a value nested depth levels deep; it also returns the value's height
// (1 for an array or object of scalars), which the memo keeps so that a remembered
// container met deeper down is still checked against MaxValueDepth.
func (s *sizer) sizeAt(v any, budget, depth int) (int, int) {
	switch x := v.(type) {
	case nil:
		return 4, 0
	case bool:
		if x {
			return 4, 0
		}
		return 5, 0
	case float64:
		return floatSize(x), 0
	case string:
		return stringSize(x), 0
	case []any:
		if depth > MaxValueDepth {
			return max(budget, 0) + 1, 1
		}
		if len(x) == 0 {
			return 2, 1
		}
		key := sizeKey{p: unsafe.Pointer(&x[0]), n: len(x)}
		if e, ok := s.lookup(key); ok {
			if depth+e.height-1 > MaxValueDepth {
				return max(budget, 0) + 1, e.height
			}
			return e.size, e.height
		}
		n, height := 2, 1
		for i, item := range x {
			if i > 0 {
				n++
			}
			m, h := s.sizeAt(item, budget-n, depth+1)
			n += m
			height = max(height, h+1)
			if n > budget {
				return n, height
			}
		}
		s.remember(key, x, n, height)
		return n, height
	case map[string]any:
		if depth > MaxValueDepth {
			return max(budget, 0) + 1, 1
		}
		if len(x) == 0 {
			return 2, 1
		}
		key := sizeKey{p: *(*unsafe.Pointer)(unsafe.Pointer(&x)), n: -1}
		if e, ok := s.lookup(key); ok {
			if depth+e.height-1 > MaxValueDepth {
				return max(budget, 0) + 1, e.height
			}
			return e.size, e.height
		}
		n, height := 2, 1
		first := true
		for k, item := range x {
			if !first {
				n++
			}
			first = false
			n += stringSize(k) + 1
			m, h := s.sizeAt(item, budget-n, depth+1)
			n += m
			height = max(height, h+1)
			if n > budget {
				return n, height
			}
		}
		s.remember(key, x, n, height)
		return n, height
	case *jsonvalue.Object:
		if depth > MaxValueDepth {
			return max(budget, 0) + 1, 1
		}
		if x.Len() == 0 {
			return 2, 1
		}
		key := sizeKey{p: unsafe.Pointer(x), n: -2}
		if e, ok := s.lookup(key); ok {
			if depth+e.height-1 > MaxValueDepth {
				return max(budget, 0) + 1, e.height
			}
			return e.size, e.height
		}
		n, height := 2, 1
		for i := range x.Len() {
			if i > 0 {
				n++
			}
			n += stringSize(x.KeyAt(i)) + 1
			m, h := s.sizeAt(x.ValueAt(i), budget-n, depth+1)
			n += m
			height = max(height, h+1)
			if n > budget {
				return n, height
			}
		}
		s.remember(key, x, n, height)
		return n, height
	case json.Number:
		return len(x), 0
	case int:
		return len(strconv.Itoa(x)), 0
	case int64:
		return len(strconv.FormatInt(x, 10)), 0
	default:
		return len(encodeJSON(v)), 0
	}
}

func (s *sizer) lookup(k sizeKey) (sizeEntry, bool) {
	if s == nil || s.memo == nil {
		return sizeEntry{}, false
	}
	e, ok := s.memo[k]
	return e, ok
}

// remember records an exact size (callers never pass one cut short by the budget).
func (s *sizer) remember(k sizeKey, v any, size, height int) {
	if s == nil || size < minMemoSize {
		return
	}
	if s.memo == nil || len(s.memo) >= maxMemo {
		s.memo = make(map[sizeKey]sizeEntry)
	}
	s.memo[k] = sizeEntry{v: v, size: size, height: height}
}

// floatSize is the length of the text encoding/json writes for f (null for NaN and the
// infinities, as jsonvalue encodes them).
func floatSize(f float64) int {
	var buf [32]byte
	return len(jsonvalue.AppendFloat(buf[:0], f))
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

package jsonvalue

import "encoding/json"

// floats returns v with every exact number (json.Number) replaced by its nearest float64,
// which is what encoding/json makes of the same text.
func floats(v any) any {
	if !hasExactNumbers(v, 0) {
		return v
	}
	return floatsCopy(v)
}

func hasExactNumbers(v any, depth int) bool {
	if depth > maxDecodeDepth {
		return false
	}
	switch x := v.(type) {
	case json.Number:
		return true
	case []any:
		for _, it := range x {
			if hasExactNumbers(it, depth+1) {
				return true
			}
		}
	case *Object:
		for _, it := range x.vals {
			if hasExactNumbers(it, depth+1) {
				return true
			}
		}
	case map[string]any:
		for _, it := range x {
			if hasExactNumbers(it, depth+1) {
				return true
			}
		}
	}
	return false
}

func floatsCopy(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := Float(x)
		return f
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = floatsCopy(it)
		}
		return out
	case *Object:
		out := NewObject(len(x.keys))
		for i, k := range x.keys {
			out.Set(k, floatsCopy(x.vals[i]))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = floatsCopy(it)
		}
		return out
	}
	return v
}

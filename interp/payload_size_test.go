package interp

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestJSONSizeMatchesEncoding(t *testing.T) {
	t.Parallel()
	values := []any{
		nil, true, false, 0.0, -1.5, 1e21, 1e-7, 123456789.0, math.MaxFloat64, 5e-324, 100.0,
		"", "plain", "quote\" backslash\\ newline\n tab\t", "<html>&", "é日本語", "\x01\x1f",
		[]any{}, []any{1.0, "a", nil, []any{true}},
		map[string]any{}, map[string]any{"a": 1.0, "b<": map[string]any{"c": []any{"d", 2.5}}},
	}
	for _, v := range values {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatalf("encode %#v: %v", v, err)
		}
		if got, want := jsonSize(v, 1<<30), b.Len()-1; got != want {
			t.Errorf("jsonSize(%#v) = %d, encoding is %d bytes: %s", v, got, want, b.Bytes())
		}
	}
	// Where encoding/json and AWS differ, AWS's measure wins.
	for s, want := range map[string]int{"\u2028": 5, "bad\xff": 8} {
		if got := jsonSize(s, 1<<30); got != want {
			t.Errorf("jsonSize(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestExceedsSize(t *testing.T) {
	t.Parallel()
	big := map[string]any{"a": make([]any, 1000)}
	cases := []struct {
		v     any
		limit int
		want  bool
	}{
		{"abc", 0, false}, {"abc", 5, false}, {"abc", 4, true}, {big, 100, true}, {big, 10000, false},
	}
	for _, c := range cases {
		if got := exceedsSize(c.v, c.limit); got != c.want {
			t.Errorf("exceedsSize(%.20v, %d) = %v, want %v", c.v, c.limit, got, c.want)
		}
	}
}

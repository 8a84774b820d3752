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

// TestSizerMemoMatchesPlainWalk checks that remembered sizes of shared parts give the same
// answers as a fresh walk, including when a shared part pushes a payload over the limit.
func TestSizerMemoMatchesPlainWalk(t *testing.T) {
	t.Parallel()
	records := make([]any, 300)
	for i := range records {
		records[i] = map[string]any{"id": float64(i), "name": "récord", "tags": []any{"a", nil, true}}
	}
	doc := map[string]any{"records": records}
	var s sizer
	for i := 0; i < 3; i++ {
		payload := map[string]any{"doc": doc, "copyA": doc, "n": float64(i)}
		want := jsonSize(payload, 1<<62)
		if got := s.size(payload, 1<<62); got != want {
			t.Fatalf("round %d: memo size %d, plain walk %d", i, got, want)
		}
		if want != len(encodeJSON(payload)) {
			t.Fatalf("round %d: size %d, encoded length %d", i, want, len(encodeJSON(payload)))
		}
		if !s.exceeds(payload, want-1) || s.exceeds(payload, want) {
			t.Fatalf("round %d: exceeds disagrees at the boundary %d", i, want)
		}
	}
	if len(s.memo) == 0 {
		t.Fatal("the shared document was not remembered")
	}
}

package jsonvalue

import (
	"encoding/json"
	"math"
	"testing"
)

// TestAppendFloatMatchesEncodingJSON: the integral fast path and the general one write what
// encoding/json writes.
func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	values := []float64{0, math.Copysign(0, -1), 1, -1, 42, 1e14, 1e15 - 1, 1e15, -1e15, 999999999999999, 1e20, 1e21,
		123456789012345678, 0.5, -2.25, 1e-7, 3.0000000000000004, 9007199254740992, 4503599627370497}
	for _, f := range values {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendFloat(nil, f); string(got) != string(want) {
			t.Errorf("AppendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

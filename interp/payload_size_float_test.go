package interp

import (
	"encoding/json"
	"math"
	"testing"
)

// TestFloatSizeMatchesEncodingJSON: the size counted for a number is the length encoding/json
// writes, on the integral fast path and off it.
func TestFloatSizeMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 42, 1e14, 1e15 - 1, 1e15, -1e15, 1e20, 1e21,
		0.5, -2.25, 1e-7, 3.0000000000000004, 9007199254740992} {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := floatSize(f); got != len(want) {
			t.Errorf("floatSize(%v) = %d, want %d (%s)", f, got, len(want), want)
		}
	}
}

package jsonvalue

import (
	"encoding/json"
	"testing"
)

func TestEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1.0}`, true},
		{`[1,2]`, `[2,1]`, false},
		{`{"a":null}`, `{}`, false},
		{`"1"`, `1`, false},
		{`null`, `null`, true},
	}
	for _, tt := range tests {
		a, _ := Unmarshal([]byte(tt.a))
		b, _ := Unmarshal([]byte(tt.b))
		if got := Equal(a, b); got != tt.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestMarshalKeepsHTMLAndIntegers(t *testing.T) {
	t.Parallel()
	got := MarshalString(map[string]any{"s": "<a&b>", "n": 3.0, "f": 1.5})
	if want := `{"f":1.5,"n":3,"s":"<a&b>"}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestUnmarshalRejectsTrailingData(t *testing.T) {
	t.Parallel()
	if _, err := Unmarshal([]byte(`{} {}`)); err == nil {
		t.Fatal("want error for trailing data")
	}
}

// TestCompareNumbersDecimalsAreDoubles checks that a decimal kept for its rendering compares
// as the double it is, and an integer by its digits.
func TestCompareNumbersDecimalsAreDoubles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b any
		want int
	}{
		{json.Number("1.23456789E7"), 12345678.9, 0},
		{12345678.9, json.Number("1.23456789E7"), 0},
		{json.Number("1.0E-7"), 1e-7, 0},
		{json.Number("1.0"), 1.0, 0},
		{json.Number("1.0E21"), json.Number("1000000000000000000000"), 0},
		{json.Number("9007199254740993"), 9007199254740992.0, 1},
		{json.Number("9007199254740993"), json.Number("9.007199254740993E15"), 1}, // the decimal is the double 2^53
		{json.Number("-123456789012345678901234567890"), -1.2345678901234568e29, -1},
	} {
		if got, ok := CompareNumbers(tt.a, tt.b); !ok || got != tt.want {
			t.Errorf("CompareNumbers(%v, %v) = %d, %v, want %d", tt.a, tt.b, got, ok, tt.want)
		}
	}
}

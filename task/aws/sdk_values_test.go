package aws

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestDecodeSDKNumbers checks that parameters take numbers the engine holds exactly
// (json.Number): a long member an integer beyond 2^53 with all its digits, an integer
// member a decimal kept in Java's rendering (10.0), a double member any number.
func TestDecodeSDKNumbers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    any
		typ  reflect.Type
		want any
		err  string
	}{
		{json.Number("9007199254740993"), reflect.TypeFor[int64](), int64(9007199254740993), ""},
		{json.Number("-9223372036854775808"), reflect.TypeFor[int64](), int64(-9223372036854775808), ""},
		{json.Number("10.0"), reflect.TypeFor[int32](), int32(10), ""},
		{12.0, reflect.TypeFor[int32](), int32(12), ""},
		{json.Number("1.23456789E7"), reflect.TypeFor[float64](), 12345678.9, ""},
		{json.Number("9223372036854775808"), reflect.TypeFor[int64](), nil, "MaxKeys: 9223372036854775808 is out of range"},
		{json.Number("3000000000"), reflect.TypeFor[int32](), nil, "MaxKeys: 3000000000 is out of range"},
		{json.Number("1.5E7"), reflect.TypeFor[int32](), int32(15000000), ""},
		{1.5, reflect.TypeFor[int32](), nil, "MaxKeys: want an integer, got the number 1.5"},
		{json.Number("1.0E21"), reflect.TypeFor[int32](), nil, "MaxKeys: want an integer, got the number 1.0E21"},
		{json.Number("1.7E9"), reflect.TypeFor[time.Time](), time.Unix(1700000000, 0).UTC(), ""},
	} {
		got, err := decodeSDKValue(tt.v, tt.typ, "MaxKeys")
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("%v as %s: error %v, want %s", tt.v, tt.typ, err, tt.err)
			}
		case err != nil:
			t.Errorf("%v as %s: %v", tt.v, tt.typ, err)
		case got.Interface() != tt.want:
			t.Errorf("%v as %s = %#v, want %#v", tt.v, tt.typ, got.Interface(), tt.want)
		}
	}
}

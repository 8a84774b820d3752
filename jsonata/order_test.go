package jsonata

import (
	"testing"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// TestEngineObjects checks the boundary with the engine's values: an input *jsonvalue.Object
// is read in its key order, and results come back as *jsonvalue.Object in the order the
// expression built them (array-index keys first, as JavaScript lists them).
func TestEngineObjects(t *testing.T) {
	t.Parallel()
	input, err := jsonvalue.Decode([]byte(`{"z":1,"a":{"y":2,"b":3},"m":[{"k":1,"c":2}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ expr, want string }{
		{`$`, `{"z":1,"a":{"y":2,"b":3},"m":[{"k":1,"c":2}]}`},
		{`$keys($)`, `["z","a","m"]`},
		{`$keys(a)`, `["y","b"]`},
		{`*`, `[1,{"y":2,"b":3},{"k":1,"c":2}]`},
		{`{"q": z, "b": a.b, "1": 0}`, `{"1":0,"q":1,"b":3}`},
		{`$merge([a, {"x": 0, "y": 9}])`, `{"y":9,"b":3,"x":0}`},
		{`$string(a)`, `"{\"y\":2,\"b\":3}"`},
		{`a ~> |$|{"n": 1}|`, `{"y":2,"b":3,"n":1}`},
	}
	for _, tt := range tests {
		e, err := Compile(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		got, err := e.Eval(input, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if text := jsonvalue.MarshalString(got); text != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, text, tt.want)
		}
	}
}

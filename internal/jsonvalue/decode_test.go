package jsonvalue

import (
	"encoding/json"
	"math"
	"testing"
)

func TestDecodeKeepsKeyOrderAndExactIntegers(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"b":1,"a":{"z":true,"y":null},"c":[{"k":"v","j":"w"}]}`, `{"b":1,"a":{"z":true,"y":null},"c":[{"k":"v","j":"w"}]}`},
		{` { "x" : 9007199254740993 , "y" : -12345678901234567890123 } `, `{"x":9007199254740993,"y":-12345678901234567890123}`},
		{`9007199254740992`, `9007199254740992`},
		// decimals as Java's Double.toString writes them, integers as integers (AWS)
		{`[1.0, 1e21, 0.1, -0, 1E-7, 100, 1e2, -0.0, 0.30000000000000004, 12345678.9, 0.001, 0.0001, 2.50]`,
			`[1.0,1.0E21,0.1,0,1.0E-7,100,100.0,-0.0,0.30000000000000004,1.23456789E7,0.001,1.0E-4,2.5]`},
		{`"a\u00e9\n\"<&>\u2028"`, `"aé\n\"<&>\u2028"`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
	}
	for _, tt := range tests {
		v, err := Decode([]byte(tt.in))
		if err != nil {
			t.Fatalf("Decode(%s): %v", tt.in, err)
		}
		if got := MarshalString(v); got != tt.want {
			t.Errorf("Decode(%s) encodes as %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDecodeRejectsWhatEncodingJSONRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `-`, `1e`, `tru`, `"a`, "\"\x01\"", `{} {}`, `1e400`, `{a:1}`, `[1 2]`} {
		if _, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%q) succeeded, want an error", in)
		}
		var v any
		if json.Unmarshal([]byte(in), &v) == nil && in != `1e400` {
			t.Errorf("test input %q is valid JSON", in)
		}
	}
}

func TestAppendMatchesEncodingJSONForFloats(t *testing.T) {
	t.Parallel()
	for _, f := range []float64{0, 1, -1.5, 0.1 + 0.2, 1e20, 1e21, 123456789e-15, 1e-6, 1e-7, math.MaxFloat64, math.SmallestNonzeroFloat64, 9007199254740992} {
		want, _ := json.Marshal(f)
		if got := Append(nil, f); string(got) != string(want) {
			t.Errorf("Append(%v) = %s, want %s", f, got, want)
		}
	}
	for _, s := range []string{"plain", "tab\t", "\x00\x1f", "bad\xffutf8", "\u2029", `q"b\`} {
		want, _ := marshalHTMLUnescaped(s)
		if got := Append(nil, s); string(got) != string(want) {
			t.Errorf("Append(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestObjectSetWithWithoutKeepOrder(t *testing.T) {
	t.Parallel()
	o := NewObject(0)
	for _, k := range []string{"m", "c", "x", "a", "b", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		o.Set(k, k)
	}
	o.Set("x", "replaced")
	w := o.With("c", 1).With("new", 2)
	if got, want := MarshalString(w), `{"m":"m","c":1,"x":"replaced","a":"a","b":"b","d":"d","e":"e","f":"f","g":"g","h":"h","i":"i","j":"j","k":"k","l":"l","new":2}`; got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	if v, _ := o.Get("c"); v != "c" {
		t.Fatalf("With changed the original: c = %v", v)
	}
	if got, want := MarshalString(ObjectOf("b", 1, "a", 2).Without("b")), `{"a":2}`; got != want {
		t.Fatalf("Without: got %s, want %s", got, want)
	}
	if v, ok := w.Get("l"); !ok || v != "l" {
		t.Fatalf("indexed Get(l) = %v, %v", v, ok)
	}
}

func TestEqualOrderedAndNumbers(t *testing.T) {
	t.Parallel()
	a, _ := Decode([]byte(`{"a":1,"b":9007199254740993}`))
	b, _ := Decode([]byte(`{"b":9007199254740993,"a":1.0}`))
	c, _ := Decode([]byte(`{"a":1,"b":9007199254740992}`))
	if !Equal(a, b) || EqualOrdered(a, b) || Equal(a, c) {
		t.Fatalf("Equal(a,b)=%v EqualOrdered(a,b)=%v Equal(a,c)=%v", Equal(a, b), EqualOrdered(a, b), Equal(a, c))
	}
	m := map[string]any{"b": json.Number("9007199254740993"), "a": 1.0}
	if !Equal(a, m) {
		t.Fatal("an Object and an equal map differ")
	}
	if n, _ := Decode([]byte(`9007199254740993`)); Equal(n, float64(9007199254740992)) {
		t.Fatal("2^53+1 equals 2^53")
	}
}

func TestJavaHashMapOrderMatchesRecordedAWSOrder(t *testing.T) {
	t.Parallel()
	// Recorded: a Parameters template with these keys, in this order, gave the order below.
	keys := []string{"context_object", "execution", "execution_id", "execution_input", "execution_name", "execution_rolearn",
		"execution_starttime", "state", "state_enteredtime", "state_name", "statemachine", "statemachine_id", "statemachine_name"}
	want := []string{"execution", "execution_rolearn", "execution_name", "statemachine_id", "execution_id", "execution_input",
		"execution_starttime", "state_name", "state_enteredtime", "statemachine", "state", "context_object", "statemachine_name"}
	order := JavaHashMapOrder(keys)
	for i, j := range order {
		if keys[j] != want[i] {
			t.Fatalf("position %d: %s, want %s", i, keys[j], want[i])
		}
	}
	if got := MarshalString(InJavaHashMapOrder(ObjectOf("constant_in_literal", 1, "constant_input_field", 2, "é", 3))); got != `{"constant_input_field":2,"é":3,"constant_in_literal":1}` {
		t.Fatalf("got %s", got)
	}
}

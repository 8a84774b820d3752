package intrinsic

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonvalue"

	"github.com/stepflow/stepflow/asl/jsonpath"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	v, err := jsonvalue.Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func testEnv(t testing.TB, input string) Env {
	return Env{
		Input: decode(t, input),
		Context: map[string]any{"Execution": map[string]any{
			"Name":  "exec-1",
			"Input": map[string]any{"input_field": map[string]any{"constant_input_field": "constant_value"}, "csv": "a,b"},
		}},
		Variables: func(name string) (any, bool) {
			if name == "count" {
				return 41.0, true
			}
			return nil, false
		},
		Random: func() float64 { return 0.5 },
		UUID:   func() string { return "2c1d4a8e-0d4b-4b7e-9a53-6b2f5c2d1e0f" },
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct{ call, input, want string }{
		{`States.Format('Hello, my name is {}.', $.name)`, `{"name":"Arnav"}`, `"Hello, my name is Arnav."`},
		{`States.Format($.template, $.name)`, `{"name":"Arnav","template":"Hello, my name is {}."}`, `"Hello, my name is Arnav."`},
		{`States.Format('{} {} {} {} {}', 3, 1.5, true, null, 'x')`, `{}`, `"3 1.5 true null x"`},
		{`States.Format('{}', $.o)`, `{"o":{"b":[1,"x"],"a":{"c":null}}}`, `"{b=[1, x], a={c=null}}"`}, // keys in order, as Java's LinkedHashMap.toString
		{`States.Format('\{\} is not {}, it\'s \\ {}', 1, 2)`, `{}`, `"{} is not 1, it's \\ 2"`},
		{`States.Format('{}', $$.Execution.Name)`, `{}`, `"exec-1"`},
		{`States.Format('{}', $count)`, `{}`, `"41"`},
		{`States.Format('no placeholders')`, `{}`, `"no placeholders"`},
		{`States.StringToJson($.s)`, `{"s":"{\"foo\": \"bar\"}"}`, `{"foo":"bar"}`},
		{`States.StringToJson($.s)`, `{"s":"  "}`, `null`},
		{`States.StringToJson($.s)`, `{"s":"-0"}`, `0`},
		{`States.JsonToString($.j)`, `{"j":{"name":"Foo","year":2020,"tags":["<a&b>"]}}`, `"{\"name\":\"Foo\",\"year\":2020,\"tags\":[\"<a&b>\"]}"`}, // keys in order, as Jackson writes them
		{`States.JsonToString($.j)`, `{"j":{"n":9007199254740993}}`, `"{\"n\":9007199254740993}"`},
		{`States.StringToJson($.s)`, `{"s":"{\"z\":12345678901234567890,\"a\":1}"}`, `{"z":12345678901234567890,"a":1}`},
		{`States.JsonToString($.j)`, `{"j":"line\nbreak \"q\""}`, `"\"line\\nbreak \\\"q\\\"\""`},
		{`States.Array('Foo', 2020, $.j, null)`, `{"j":{"random":"abcdefg"}}`, `["Foo",2020,{"random":"abcdefg"},null]`},
		{`States.Array()`, `{}`, `[]`},
		{`States.ArrayPartition($.a, 4)`, `{"a":[1,2,3,4,5,6,7,8,9]}`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{`States.ArrayContains($.a, $.x)`, `{"a":[1,{"k":[2]}],"x":{"k":[2]}}`, `true`},
		{`States.ArrayContains($.a, 3)`, `{"a":[1,2]}`, `false`},
		{`States.ArrayRange(1, 9, 2)`, `{}`, `[1,3,5,7,9]`},
		{`States.ArrayRange(5, 1, -2)`, `{}`, `[5,3,1]`},
		{`States.ArrayRange(5, 1, 2)`, `{}`, `[]`},
		{`States.ArrayRange(1, 1000, 1)`, `{}`, ``},
		{`States.ArrayGetItem($.a, 5)`, `{"a":[1,2,3,4,5,6,7,8,9]}`, `6`},
		{`States.ArrayLength($.a)`, `{"a":[1,2,3]}`, `3`},
		{`States.ArrayUnique($.a)`, `{"a":[1,2,3,3,3,1,{"a":1,"b":2},{"b":2,"a":1},"1"]}`, `[1,2,3,{"a":1,"b":2},"1"]`},
		{`States.Base64Encode('Data to encode')`, `{}`, `"RGF0YSB0byBlbmNvZGU="`},
		{`States.Base64Decode('RGF0YSB0byBlbmNvZGU=')`, `{}`, `"Data to encode"`},
		{`States.Hash('input data', 'SHA-1')`, `{}`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{`States.Hash('input data', 'SHA-512')`, `{}`, `"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"`},
		{`States.JsonMerge($.a, $.b, false)`, `{"a":{"a":{"a1":1,"a2":2},"b":2},"b":{"a":{"a3":1,"a4":2},"c":3}}`, `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
		{`States.MathRandom(1, 999)`, `{}`, `500`},
		{`States.MathAdd($.v, -1)`, `{"v":111}`, `110`},
		{`States.MathAdd(1.5, -1.5)`, `{}`, `1`},
		{`States.MathAdd($.v, 1)`, `{"v":9007199254740993}`, `9007199254740994`},
		{`States.MathAdd($.v, -2)`, `{"v":9007199254740993}`, `9007199254740991`},
		{`States.MathAdd($.v, $.v)`, `{"v":-99999999999999999999}`, `-199999999999999999998`},
		{`States.MathAdd($count, 1)`, `{}`, `42`},
		{`States.StringSplit('1,2,3,4,5', ',')`, `{}`, `["1","2","3","4","5"]`},
		{`States.StringSplit('a.b+c', '.+')`, `{}`, `["a","b","c"]`},
		{`States.UUID()`, `{}`, `"2c1d4a8e-0d4b-4b7e-9a53-6b2f5c2d1e0f"`},
		{`States.ArrayGetItem(States.StringSplit($.arn, ':'), States.MathAdd(States.ArrayLength(States.StringSplit($.arn, ':')), -1))`, `{"arn":"a:b:c"}`, `"c"`},
		{`States.ArrayLength($.items[?(@.n > 1)])`, `{"items":[{"n":1},{"n":2},{"n":3}]}`, `2`},
		{` States.Array( 1 , 'a,b' , $['x,y'] ) `, `{"x,y":true}`, `[1,"a,b",true]`},
		// Recorded on AWS (test_json_merge_escaped_argument, test_string_split_context_object).
		{`States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $$.Execution.Input.input_field, false)`, `{}`,
			`{"constant_input_field":"constant_value","constant_in_literal":"false"}`},
		{`States.StringSplit($$.Execution.Input.csv, ',')`, `{}`, `["a","b"]`},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			t.Parallel()
			c, err := Compile(tt.call)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := c.Eval(testEnv(t, tt.input))
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if tt.want == "" {
				return
			}
			if want := decode(t, tt.want); !jsonvalue.EqualOrdered(got, want) {
				gotText, _ := json.Marshal(got)
				t.Errorf("Eval = %s, want %s", gotText, tt.want)
			}
		})
	}
}

func TestEvalFailures(t *testing.T) {
	t.Parallel()
	tests := []struct{ call, input, cause string }{
		{`States.Format('{} {}', 1)`, `{}`, "States.Format has 2 placeholders in its template but 1 value to put in them"},
		{`States.Format($.n)`, `{"n":1}`, "The first argument of States.Format must be a string, but was 1"},
		{`States.StringToJson($.s)`, `{"s":"{oops"}`, `The argument of States.StringToJson is not valid JSON: "{oops"`},
		{`States.StringToJson($.s)`, `{"s":5}`, "The first argument of States.StringToJson must be a string, but was 5"},
		{`States.ArrayPartition($.a, 0)`, `{"a":[1]}`, "The chunk size of States.ArrayPartition must be a positive integer, but was 0"},
		{`States.ArrayPartition($.a, 1)`, `{"a":"x"}`, `The first argument of States.ArrayPartition must be an array, but was "x"`},
		{`States.ArrayRange(1, 2, 0)`, `{}`, "The step of States.ArrayRange must not be 0"},
		{`States.ArrayRange(1, 1001, 1)`, `{}`, "States.ArrayRange would create 1001 items, more than the limit of 1000"},
		{`States.ArrayRange(1.5, 3, 1)`, `{}`, "The first argument of States.ArrayRange must be an integer, but was 1.5"},
		{`States.ArrayGetItem($.a, 3)`, `{"a":[1,2,3]}`, "The index 3 given to States.ArrayGetItem is out of bounds for an array of length 3"},
		{`States.ArrayGetItem($.a, -1)`, `{"a":[1,2,3]}`, "The index -1 given to States.ArrayGetItem is out of bounds for an array of length 3"},
		{`States.ArrayLength($.a)`, `{"a":{}}`, "The first argument of States.ArrayLength must be an array, but was {}"},
		{`States.Base64Decode('%%%')`, `{}`, `The input of States.Base64Decode is not valid Base64: "%%%"`},
		{`States.Hash('x', 'SHA-3')`, `{}`, `The hash algorithm "SHA-3" is not supported by States.Hash; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512`},
		{`States.JsonMerge($.a, $.a, true)`, `{"a":{}}`, "States.JsonMerge supports only the shallow merging mode: its third argument must be false"},
		{`States.JsonMerge($.a, 1, false)`, `{"a":{}}`, "The second argument of States.JsonMerge must be a JSON object, but was 1"},
		{`States.MathAdd('1', 2)`, `{}`, `The first argument of States.MathAdd must be a number, but was "1"`},
		{`States.MathRandom(5, 1)`, `{}`, "The end of States.MathRandom (1) must not be less than its start (5)"},
		{`States.StringSplit($.s, ',')`, `{"s":null}`, "The first argument of States.StringSplit must be a string, but was null"},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			t.Parallel()
			_, err := MustCompile(tt.call).Eval(testEnv(t, tt.input))
			var ie *Error
			if !errors.As(err, &ie) || ie.Name != "States.IntrinsicFailure" || ie.Cause != tt.cause {
				t.Fatalf("Eval error = %v, want States.IntrinsicFailure: %s", err, tt.cause)
			}
		})
	}
}

func TestEvalLimits(t *testing.T) {
	t.Parallel()
	long := make([]byte, 10001)
	for i := range long {
		long[i] = 'a'
	}
	env := Env{Input: map[string]any{"s": string(long), "ok": string(long[:10000])}}
	for _, name := range []string{"Base64Encode", "Base64Decode", "Hash"} {
		extra := ""
		if name == "Hash" {
			extra = ", 'MD5'"
		}
		_, err := MustCompile("States." + name + "($.s" + extra + ")").Eval(env)
		want := "The input of States." + name + " has 10001 characters, more than the limit of 10000"
		var ie *Error
		if !errors.As(err, &ie) || ie.Cause != want {
			t.Errorf("%s: error = %v, want %s", name, err, want)
		}
	}
	if _, err := MustCompile("States.Base64Encode($.ok)").Eval(env); err != nil {
		t.Errorf("10000 characters: %v", err)
	}
}

func TestEvalPathErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		call, path, message string
		target              error
	}{
		{`States.Format('{}', $.missing)`, "$.missing", "Invalid path '$.missing' : No results for path: $['missing']", jsonpath.ErrPathNotFound},
		{`States.Array($nope.x)`, "$nope.x", "$nope: variable is not defined", ErrVariableUndefined},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			t.Parallel()
			_, err := MustCompile(tt.call).Eval(testEnv(t, `{}`))
			var pe *PathError
			if !errors.As(err, &pe) || pe.Path != tt.path || err.Error() != tt.message || !errors.Is(err, tt.target) {
				t.Fatalf("Eval error = %v, want PathError for %s: %s", err, tt.path, tt.message)
			}
		})
	}
}

func TestRandomAndSeed(t *testing.T) {
	t.Parallel()
	env := testEnv(t, `{}`)
	for _, r := range []float64{0, 0.999999} {
		env.Random = func() float64 { return r }
		got, err := MustCompile("States.MathRandom(1, 3)").Eval(env)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[float64]float64{0: 1, 0.999999: 3}[r]; got != want {
			t.Errorf("MathRandom(1, 3) with random %v = %v, want %v", r, got, want)
		}
	}
	seeded := MustCompile("States.MathRandom(0, 999, 3)")
	first, _ := seeded.Eval(Env{})
	second, _ := seeded.Eval(Env{})
	if first != second {
		t.Errorf("seeded MathRandom gave %v then %v, want the same number", first, second)
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	got, err := Apply("States.ArrayPartition", []any{[]any{1.0, 2.0, 3.0}, 2.0}, Env{})
	if err != nil || !reflect.DeepEqual(got, []any{[]any{1.0, 2.0}, []any{3.0}}) {
		t.Errorf("Apply ArrayPartition = %v, %v", got, err)
	}
	got, err = Apply("States.Format", []any{`\{} {}`, "x", "y"}, Env{})
	if err != nil || got != `\x y` {
		t.Errorf("Apply Format = %q, %v; want a template without escapes", got, err)
	}
	_, err = Apply("States.Nope", nil, Env{})
	if err == nil || err.Error() != "States.IntrinsicFailure: Unknown intrinsic function States.Nope" {
		t.Errorf("Apply unknown = %v", err)
	}
	_, err = Apply("States.UUID", []any{1.0}, Env{})
	if err == nil || err.Error() != "States.IntrinsicFailure: States.UUID takes 0 arguments, but 1 was given" {
		t.Errorf("Apply arity = %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{`States.Nope(1)`, `invalid intrinsic function call "States.Nope(1)": unknown intrinsic function "States.Nope" at offset 0`},
		{`States.Format`, `invalid intrinsic function call "States.Format": expected '(' after States.Format at offset 13`},
		{`States.Format('x'`, `invalid intrinsic function call "States.Format('x'": missing ')' to close States.Format at offset 17`},
		{`States.Format('x)`, `invalid intrinsic function call "States.Format('x)": unterminated string literal at offset 14`},
		{`States.Format()`, `invalid intrinsic function call "States.Format()": States.Format takes at least 1 argument, but 0 were given at offset 0`},
		{`States.Format(1)`, `invalid intrinsic function call "States.Format(1)": the first argument of States.Format must be a string at offset 0`},
		{`States.Hash('a')`, `invalid intrinsic function call "States.Hash('a')": States.Hash takes 2 arguments, but 1 was given at offset 0`},
		{`States.MathRandom(1)`, `invalid intrinsic function call "States.MathRandom(1)": States.MathRandom takes 2 to 3 arguments, but 1 was given at offset 0`},
		{`States.UUID(1)`, `invalid intrinsic function call "States.UUID(1)": States.UUID takes 0 arguments, but 1 was given at offset 0`},
		{`States.Format('He said, \"Hello, {}!\"', 'x')`, `invalid intrinsic function call "States.Format('He said, \\\"Hello, {}!\\\"', 'x')": invalid escape sequence \" (only \', \{, \} and \\ are allowed) at offset 24`},
		{`States.Array($.a[)`, `invalid intrinsic function call "States.Array($.a[)": invalid path "$.a[)": unexpected character ')' in brackets at offset 17`},
		{`States.Array(1,)`, `invalid intrinsic function call "States.Array(1,)": unexpected character ')' at offset 15`},
		{`States.Array(1) x`, `invalid intrinsic function call "States.Array(1) x": unexpected text after the call at offset 16`},
		{`States.Array(--1)`, `invalid intrinsic function call "States.Array(--1)": invalid number "-" at offset 13`},
		{`$.a`, `invalid intrinsic function call "$.a": expected a function name such as States.Format at offset 0`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.text)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Compile error = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestCompileNestingLimit(t *testing.T) {
	t.Parallel()
	nested := func(n int) string {
		s := "1"
		for range n {
			s = "States.Array(" + s + ")"
		}
		return s
	}
	if _, err := Compile(nested(10)); err != nil {
		t.Errorf("10 nested calls: %v", err)
	}
	if _, err := Compile(nested(11)); err == nil {
		t.Error("11 nested calls compiled, want an error")
	}
}

func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		`States.Format('{} \{\}', $.a)`, `States.Array()`, `States.MathAdd($$.x, -1.5e3)`,
		`States.ArrayGetItem(States.StringSplit($.s, ','), 0)`, `States.Array($['a,b'], $.c[?(@.d == ')')])`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Compile(text)
		if err != nil {
			return
		}
		_, _ = c.Eval(Env{Input: map[string]any{"a": 1.0}, Random: func() float64 { return 0 }, UUID: func() string { return "u" }})
	})
}

func BenchmarkMathAdd(b *testing.B) {
	c := MustCompile("States.MathAdd($.counter, 1)")
	env := Env{Input: map[string]any{"counter": 41.0}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	c := MustCompile("States.Format('Hello, {}! You are {} years old.', $.name, $.age)")
	env := Env{Input: map[string]any{"name": "Arnav", "age": 30.0}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	want := []string{
		"States.Array", "States.ArrayContains", "States.ArrayGetItem", "States.ArrayLength", "States.ArrayPartition",
		"States.ArrayRange", "States.ArrayUnique", "States.Base64Decode", "States.Base64Encode", "States.Format",
		"States.Hash", "States.JsonMerge", "States.JsonToString", "States.MathAdd", "States.MathRandom",
		"States.StringSplit", "States.StringToJson", "States.UUID",
	}
	if got := Functions(); !reflect.DeepEqual(got, want) {
		t.Errorf("Functions() = %v, want %v", got, want)
	}
	for text, want := range map[string]bool{"States.Array()": true, "$.a": false, "States": false, "states.Array()": false} {
		if got := LooksLikeCall(text); got != want {
			t.Errorf("LooksLikeCall(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestEvalTextLimit: nested calls that refer to one large value many times fail with
// States.IntrinsicFailure once the text they build passes maxTextBytes, instead of building
// gigabytes; the same calls on the value once work.
func TestEvalTextLimit(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 200<<10) // a payload-sized string
	env := Env{Input: map[string]any{"big": big, "obj": map[string]any{"k": big}}}
	refs := strings.TrimSuffix(strings.Repeat("$.big, ", 64), ", ")
	objs := strings.TrimSuffix(strings.Repeat("$.obj, ", 64), ", ")
	holes := strings.Repeat("{}", 64)
	tests := []struct {
		call, name string
	}{
		{"States.JsonToString(States.Array(" + refs + "))", "States.JsonToString"},
		{"States.Format('" + holes + "', " + refs + ")", "States.Format"},
		{"States.Format('{}', States.Array(" + refs + "))", "States.Format"},
		{"States.ArrayUnique(States.Array(" + objs + "))", "States.ArrayUnique"},
	}
	for _, tt := range tests {
		_, err := MustCompile(tt.call).Eval(env)
		want := tt.name + " would build a text longer than 8388608 bytes"
		var ie *Error
		if !errors.As(err, &ie) || ie.Name != "States.IntrinsicFailure" || ie.Cause != want {
			t.Errorf("%.60s: error %.200v, want %s", tt.call, err, want)
		}
	}
	for _, call := range []string{"States.JsonToString($.obj)", "States.Format('{}', $.big)", "States.ArrayUnique(States.Array($.obj, $.obj))"} {
		if _, err := MustCompile(call).Eval(env); err != nil {
			t.Errorf("%s: %v", call, err)
		}
	}
}

// TestArrayRangeHuge: a range of 100 million items is refused before anything is built
// (AWS allows at most 1,000 items).
func TestArrayRangeHuge(t *testing.T) {
	t.Parallel()
	_, err := MustCompile("States.ArrayRange(1, 100000000, 1)").Eval(Env{})
	var ie *Error
	if !errors.As(err, &ie) || ie.Cause != "States.ArrayRange would create 100000000 items, more than the limit of 1000" {
		t.Fatalf("got %v", err)
	}
}

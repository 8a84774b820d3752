package jsonpath

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	v, err := jsonvalue.Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// store is the example document of the JSONPath articles, used by the AWS documentation.
const store = `{
 "store": {
  "book": [
   {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
   {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
   {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
   {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
  ],
  "bicycle": {"color": "red", "price": 19.95}
 },
 "expensive": 10
}`

func TestGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, input, want string
	}{
		{"$", `{"a":1}`, `{"a":1}`},
		{"$.a", `{"a":1}`, `1`},
		{"$.a.b", `{"a":{"b":"x"}}`, `"x"`},
		{"$['a']['b']", `{"a":{"b":"x"}}`, `"x"`},
		{`$["a b"]`, `{"a b":2}`, `2`},
		{"$.a[1]", `{"a":[1,2,3]}`, `2`},
		{"$.a.[1]", `{"a":[1,2,3]}`, `2`},
		{"$.['a']", `{"a":1}`, `1`},
		{"$.a[-1]", `{"a":[1,2,3]}`, `3`},
		{"$.a[*]", `{"a":[1,2,3]}`, `[1,2,3]`},
		{"$.a.*", `{"a":{"y":2,"x":1}}`, `[2,1]`}, // document order, as Jayway
		{"$.a[0:2]", `{"a":[1,2,3]}`, `[1,2]`},
		{"$.a[1:]", `{"a":[1,2,3]}`, `[2,3]`},
		{"$.a[:-1]", `{"a":[1,2,3]}`, `[1,2]`},
		{"$.a[-2:]", `{"a":[1,2,3]}`, `[2,3]`},
		{"$.a[::2]", `{"a":[1,2,3,4,5]}`, `[1,3,5]`},
		{"$.a[::-1]", `{"a":[1,2,3]}`, `[3,2,1]`},
		{"$.a[0,2]", `{"a":[1,2,3]}`, `[1,3]`},
		{"$.a[5:9]", `{"a":[1,2,3]}`, `[]`},
		{"$.a[1::9223372036854775807]", `{"a":[1,2,3]}`, `[2]`},
		{"$.a[1::-9223372036854775808]", `{"a":[1,2,3]}`, `[2]`},
		{"$.a[-1:0:-1]", `{"a":[1,2,3]}`, `[3,2]`},
		{"$['a','c']", `{"a":1,"b":2,"c":3}`, `{"a":1,"c":3}`},
		{"$.a[*].x", `{"a":[{"x":1},{"y":2},{"x":3}]}`, `[1,3]`},
		{"$.a.length()", `{"a":[1,2,3]}`, `3`},
		// Objects keep no key order once decoded: deep scans visit keys sorted.
		{"$..price", store, `[8.95,12.99,8.99,22.99,19.95]`},
		{"$.store..price", store, `[8.95,12.99,8.99,22.99,19.95]`},
		{"$['c','a']", `{"a":1,"b":2,"c":3}`, `{"c":3,"a":1}`},
		{"$.a[?(@.n > 9007199254740992)].n", `{"a":[{"n":9007199254740993},{"n":9007199254740992}]}`, `[9007199254740993]`},
		{"$.a[?(@.n == 9007199254740993)].n", `{"a":[{"n":9007199254740993},{"n":9007199254740992}]}`, `[9007199254740993]`},
		{"$..book[2].title", store, `["Moby Dick"]`},
		{"$..book[-1:].title", store, `["The Lord of the Rings"]`},
		{"$.store.book[?(@.isbn)].title", store, `["Moby Dick","The Lord of the Rings"]`},
		{"$.store.book[?(!@.isbn)].title", store, `["Sayings of the Century","Sword of Honour"]`},
		{"$.store.book[?(@.price < 10)].title", store, `["Sayings of the Century","Moby Dick"]`},
		{"$.store.book[?(@.price < $.expensive)].price", store, `[8.95,8.99]`},
		{"$.store.book[?(@.category == 'fiction' && @.price > 20)].author", store, `["J. R. R. Tolkien"]`},
		{`$.store.book[?(@.category == "reference" || @.price > 20)].price`, store, `[8.95,22.99]`},
		{"$.store.book[?(@.author =~ /.*melville/i)].price", store, `[8.99]`},
		{"$.store.book[?(@.category in ['reference'])].price", store, `[8.95]`},
		{"$.store.book[?(@.category nin ['fiction'])].price", store, `[8.95]`},
		{"$.store.book[?(@.price != 8.95)].price", store, `[12.99,8.99,22.99]`},
		{"$.store.book[?(@.price >= 12.99 && @.price <= 22.99)].price", store, `[12.99,22.99]`},
		{"$.a[?(@.v == true)].n", `{"a":[{"v":true,"n":1},{"v":"true","n":2}]}`, `[1]`},
		{"$.a[?(@.v == null)].n", `{"a":[{"v":null,"n":1},{"n":2}]}`, `[1]`},
		{"$.a[?(@.v.length() > 1)].n", `{"a":[{"v":[1,2],"n":1},{"v":[1],"n":2}]}`, `[1]`},
		{"$.a[?(@ > 1)]", `{"a":[1,2,3]}`, `[2,3]`},
		{"$.a[?(@.t subsetof ['x','y'])].n", `{"a":[{"t":["x"],"n":1},{"t":["x","z"],"n":2}]}`, `[1]`},
		{"$.a[?(@.t anyof ['z'])].n", `{"a":[{"t":["x"],"n":1},{"t":["x","z"],"n":2}]}`, `[2]`},
		{"$.a[?(@.t noneof ['z'])].n", `{"a":[{"t":["x"],"n":1},{"t":["x","z"],"n":2}]}`, `[1]`},
		{"$.a[?(@.t size 2)].n", `{"a":[{"t":["x"],"n":1},{"t":["x","z"],"n":2}]}`, `[2]`},
		{"$.a[?(@.s empty true)].n", `{"a":[{"s":"","n":1},{"s":"x","n":2}]}`, `[1]`},
		{"$.a[?(@.s contains 'b')].n", `{"a":[{"s":"abc","n":1},{"s":"x","n":2}]}`, `[1]`},
		{"$.a[?(@.x in $.allowed)].x", `{"a":[{"x":1},{"x":2}],"allowed":[2,3]}`, `[2]`},
		{"$..*", `{"a":{"b":1},"c":[2]}`, `[{"b":1},[2],1,2]`},
		{"$.missing[*]", `{}`, `[]`},
		// Recorded on AWS (ESCAPE_SEQUENCES_JSONPATH): a backslash in a quoted name is kept.
		{`$['Test\""Name"']`, `{"Test\\\"\"Name\"": "Value\"\\"}`, `"Value\"\\"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.path)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := p.Get(decode(t, tt.input))
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if want := decode(t, tt.want); !jsonvalue.EqualOrdered(got, want) {
				t.Errorf("Get = %#v, want %#v", got, want)
			}
		})
	}
}

func TestGetNotFound(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, input, want string }{
		{"$.b", `{"a":1}`, "Invalid path '$.b' : No results for path: $['b']"},
		{"$.no.such.path", `{"a":1}`, "Invalid path '$.no.such.path' : Missing property in path $['no']"},
		{"$.a.b", `{"a":"x"}`, "Invalid path '$.a.b' : Expected to find an object with property ['b'] in path $['a'] but found a string"},
		{"$.a[3]", `{"a":[1]}`, "Invalid path '$.a[3]' : No results for path: $['a'][3]"},
		{"$.a[0]", `{"a":{"0":1}}`, "Invalid path '$.a[0]' : No results for path: $['a'][0]"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			p := MustCompile(tt.path)
			input := decode(t, tt.input)
			_, err := p.Get(input)
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrPathNotFound) {
				t.Fatalf("Get error = %v, want %q wrapping ErrPathNotFound", err, tt.want)
			}
			if p.Exists(input) {
				t.Errorf("Exists = true, want false")
			}
		})
	}
}

func TestCompileRoots(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text      string
		root      Root
		variable  string
		definite  bool
		reference bool
	}{
		{"$", RootInput, "", true, true},
		{"$$", RootContext, "", true, true},
		{"$$.Execution.Id", RootContext, "", true, true},
		{"$x", RootVariable, "x", true, true},
		{"$my_var2.y[0]", RootVariable, "my_var2", true, true},
		{"$ünï.a", RootVariable, "ünï", true, true},
		{"$.a[-1]", RootInput, "", true, false},
		{"$.a[*]", RootInput, "", false, false},
		{"$..a", RootInput, "", false, false},
		{"$['a','b']", RootInput, "", true, false},
		{"$.a.length()", RootInput, "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.text)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if p.Root != tt.root || p.Variable != tt.variable || p.IsDefinite() != tt.definite || p.IsReference() != tt.reference {
				t.Errorf("got root %v variable %q definite %v reference %v", p.Root, p.Variable, p.IsDefinite(), p.IsReference())
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{"", `invalid JSONPath "": a path must start with '$' at offset 0`},
		{"a.b", `invalid JSONPath "a.b": a path must start with '$' at offset 0`},
		{"$.", `invalid JSONPath "$.": expected a field name at offset 2`},
		{"$.a[", `invalid JSONPath "$.a[": unterminated '[' at offset 3`},
		{"$.a[0", `invalid JSONPath "$.a[0": unterminated '[' at offset 3`},
		{"$.a['b]", `invalid JSONPath "$.a['b]": unterminated string at offset 4`},
		{"$.a b", `invalid JSONPath "$.a b": expected '.' or '[' at offset 3`},
		{"$a$", `invalid JSONPath "$a$": expected '.' or '[' at offset 2`},
		{"$.a[?(@.b <)]", `invalid JSONPath "$.a[?(@.b <)]": unexpected character ')' in filter at offset 11`},
		{"$.a[?(@.b == 1]", `invalid JSONPath "$.a[?(@.b == 1]": expected ')' to close the filter at offset 14`},
		{"$.a[::0]", `invalid JSONPath "$.a[::0]": slice step cannot be zero at offset 7`},
		{"$.a.foo()", `invalid JSONPath "$.a.foo()": unknown function "foo()" at offset 4`},
		{"$.a.length().b", `invalid JSONPath "$.a.length().b": a function must be the last step of a path at offset 12`},
		{"$.a[x]", `invalid JSONPath "$.a[x]": unexpected character 'x' in brackets at offset 4`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.text)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Compile error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestCompileReference(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"$.a[*]", "$..a", "$.a[-1]", "$.a[?(@.b)]", "$.a[0:1]", "$['a','b']"} {
		if _, err := CompileReference(text); err == nil {
			t.Errorf("CompileReference(%q) succeeded, want an error", text)
		}
	}
	for _, text := range []string{"$", "$.a", "$.a[0].b", "$['a b'].c"} {
		if _, err := CompileReference(text); err != nil {
			t.Errorf("CompileReference(%q): %v", text, err)
		}
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, input, value, want string }{
		{"$", `{"a":1}`, `"x"`, `"x"`},
		{"$.a", `{"a":1,"b":2}`, `3`, `{"a":3,"b":2}`},
		{"$.c", `{"a":1}`, `3`, `{"a":1,"c":3}`},
		{"$.x.y.z", `{"a":1}`, `true`, `{"a":1,"x":{"y":{"z":true}}}`},
		{"$.a.b", `{"a":{"c":1}}`, `2`, `{"a":{"c":1,"b":2}}`}, // a new key goes last
		{"$.a[1].b", `{"a":[{},{"c":1}]}`, `2`, `{"a":[{},{"c":1,"b":2}]}`},
		{"$.a.b", `{"z":0,"a":{"c":1,"b":0,"d":3}}`, `2`, `{"z":0,"a":{"c":1,"b":2,"d":3}}`}, // an existing key keeps its place
		{"$.a[0]", `{"a":[1,2]}`, `9`, `{"a":[9,2]}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			input := decode(t, tt.input)
			before, _ := json.Marshal(input)
			got, err := MustCompile(tt.path).Set(input, decode(t, tt.value))
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if want := decode(t, tt.want); !jsonvalue.EqualOrdered(got, want) {
				t.Errorf("Set = %#v, want %#v", got, want)
			}
			if after, _ := json.Marshal(input); string(after) != string(before) {
				t.Errorf("Set changed its input: %s, was %s", after, before)
			}
		})
	}
}

func TestSetSharesUntouchedValues(t *testing.T) {
	t.Parallel()
	input := decode(t, `{"big":{"x":[1,2,3]},"a":{"b":1}}`).(*jsonvalue.Object)
	got, err := MustCompile("$.a.b").Set(input, 2.0)
	if err != nil {
		t.Fatal(err)
	}
	gotBig, _ := got.(*jsonvalue.Object).Get("big")
	inputBig, _ := input.Get("big")
	if gotBig != inputBig {
		t.Error("Set copied a value that is not on the path")
	}
}

func TestSetMismatch(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, input, want string }{
		{"$.a", `"text"`, "jsonpath $.a: cannot apply $.a to a string: path does not match the value"},
		{"$.a.b", `{"a":"text"}`, "jsonpath $.a.b: cannot apply $.a.b to a string: path does not match the value"},
		{"$.a.b", `{"a":[1]}`, "jsonpath $.a.b: cannot apply $.a.b to an array: path does not match the value"},
		{"$.a.b", `{"a":null}`, "jsonpath $.a.b: cannot apply $.a.b to null: path does not match the value"},
		{"$.a[2]", `{"a":[1]}`, "jsonpath $.a[2]: cannot apply $.a[2] to an array: path does not match the value"},
		{"$.a[*]", `{"a":[1]}`, "jsonpath $.a[*]: not a reference path"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			_, err := MustCompile(tt.path).Set(decode(t, tt.input), 1.0)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Set error = %v, want %s", err, tt.want)
			}
		})
	}
}

func FuzzCompile(f *testing.F) {
	for _, seed := range []string{"$", "$$.a", "$x.y[0]", "$.a[?(@.b < 1 && @.c =~ /x/i)]", "$..a[1:2:3]", "$['a','b']", "$.a.length()", "$.a[?(@.b in [1,'x'])]"} {
		f.Add(seed)
	}
	doc := map[string]any{"a": []any{1.0, map[string]any{"b": "x"}}, "b": map[string]any{"c": nil}}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Compile(text)
		if err != nil {
			return
		}
		_, _ = p.Get(doc)
		_ = p.Exists(doc)
		if p.IsReference() {
			_, _ = p.Set(doc, 1.0)
		}
	})
}

func BenchmarkGetSimple(b *testing.B) {
	p := MustCompile("$.a.b")
	doc := map[string]any{"a": map[string]any{"b": 1.0, "c": "x"}, "d": []any{1.0}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSet(b *testing.B) {
	p := MustCompile("$.a.result")
	doc := map[string]any{"a": map[string]any{"b": 1.0, "c": "x"}, "d": []any{1.0}, "e": "y", "f": true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Set(doc, "value"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReferencePathsFromAWSDocs checks the reference path examples of the AWS paths page.
func TestReferencePathsFromAWSDocs(t *testing.T) {
	t.Parallel()
	input := decode(t, `{"foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": true}}`)
	for path, want := range map[string]string{"$.foo": `123`, "$.bar": `["a","b","c"]`, "$.car.cdr": `true`} {
		p, err := CompileReference(path)
		if err != nil {
			t.Fatalf("CompileReference(%q): %v", path, err)
		}
		got, err := p.Get(input)
		if err != nil || !reflect.DeepEqual(got, decode(t, want)) {
			t.Errorf("%s = %v (%v), want %s", path, got, err, want)
		}
	}
}

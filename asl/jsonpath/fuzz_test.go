package jsonpath

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// fuzzDocument decodes a fuzzed document, or falls back to a fixed one when the bytes are
// not JSON, so that every path gets something to walk.
func fuzzDocument(data []byte) any {
	var v any
	if json.Unmarshal(data, &v) == nil {
		return v
	}
	return map[string]any{"a": []any{1.0, map[string]any{"b": "x"}}, "b": map[string]any{"c": nil}, "store": []any{"x", 2.0, true}}
}

// deepCopy copies a decoded JSON value, so a test can tell whether an evaluation changed it.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

// checkSyntaxError checks that a refused path is refused with a *SyntaxError pointing
// inside the text.
func checkSyntaxError(t *testing.T, text string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Compile(%q) error %T %v, want *SyntaxError", text, err, err)
	}
	if se.Offset < 0 || se.Offset > len(text) || se.Text != text || se.Msg == "" {
		t.Fatalf("Compile(%q) error %+v: offset outside the text or no message", text, se)
	}
}

// FuzzPath compiles fuzzed JSONPaths and evaluates them on fuzzed documents. It checks
// that a refused path gets a *SyntaxError inside the text; that Get never changes the
// document and gives the same answer twice (wildcards and deep scans visit object fields in
// a fixed order); that a definite path returns its value or a NotFoundError wrapping
// ErrPathNotFound, and any other path a list; and that Exists agrees with Get.
func FuzzPath(f *testing.F) {
	doc := []byte(`{"a":[1,{"b":"x"}],"b":{"c":null},"store":{"book":[{"price":8.95,"t":"x"},{"price":12.99,"isbn":"1"}]}}`)
	for _, seed := range []string{
		"$", "$$.Execution.Id", "$x.y[0]", "$.a[?(@.b < 1 && @.c =~ /x/i)]", "$..a[1:2:3]", "$['a','b']",
		"$.a.length()", "$.a[?(@.b in [1,'x'])]", "$.store.book[?(@.price < 10)].t", "$..price", "$.a[-1]",
		"$.a[::-1]", "$.store.book[*].isbn", "$..*", "$.store.book[?(@.isbn)]", "$.a[0,1]", `$["a b"]`,
		"$.store.book.length()", "$.store..price.sum()", "$.a[?(!(@.b == 'x') || @ size 1)]",
	} {
		f.Add(seed, doc)
	}
	f.Fuzz(func(t *testing.T, text string, data []byte) {
		p, err := Compile(text)
		if err != nil {
			checkSyntaxError(t, text, err)
			return
		}
		if p.Text != text || p.String() != text {
			t.Fatalf("Compile(%q).Text = %q", text, p.Text)
		}
		root := fuzzDocument(data)
		before := deepCopy(root)
		got, err := p.Get(root)
		again, errAgain := p.Get(root)
		if !reflect.DeepEqual(got, again) || (err == nil) != (errAgain == nil) {
			t.Fatalf("%s: two Gets disagree: %v (%v) and %v (%v)", text, got, err, again, errAgain)
		}
		if !reflect.DeepEqual(root, before) {
			t.Fatalf("%s: Get changed the document", text)
		}
		if p.IsDefinite() {
			var nf *NotFoundError
			if err != nil && (!errors.Is(err, ErrPathNotFound) || !errors.As(err, &nf) || nf.Path != text) {
				t.Fatalf("%s: definite path error %T %v, want a NotFoundError for the path", text, err, err)
			}
			if p.Exists(root) != (err == nil) {
				t.Fatalf("%s: Exists = %v but Get error = %v", text, p.Exists(root), err)
			}
			return
		}
		if err != nil {
			return // a function at the end (.length() of a string) may refuse its operand
		}
		list, ok := got.([]any)
		if !ok {
			t.Fatalf("%s: indefinite path returned %T, want a list", text, got)
		}
		if p.Exists(root) != (len(list) > 0) {
			t.Fatalf("%s: Exists = %v but %d matches", text, p.Exists(root), len(list))
		}
	})
}

// FuzzReferencePath compiles fuzzed reference paths (ResultPath, Choice Variable) and sets a
// value through them. It checks that CompileReference accepts exactly the paths Compile
// accepts and marks as references; that Set never changes its input; that after a
// successful Set, Get through the same path finds the value set; and that a refused Set
// wraps ErrPathMismatch.
func FuzzReferencePath(f *testing.F) {
	doc := []byte(`{"a":{"b":[1,2,{"c":3}]},"s":"text","n":null}`)
	for _, seed := range []string{"$", "$.a", "$.a.b[2].c", "$['a']['x y']", "$.s.x", "$.n.x", "$.a.b[9]", "$.new.field", "$$.Map.Item", "$v.x", `$["a"]["b"][0]`} {
		f.Add(seed, doc)
	}
	f.Fuzz(func(t *testing.T, text string, data []byte) {
		ref, refErr := CompileReference(text)
		p, err := Compile(text)
		switch {
		case refErr == nil && (err != nil || !p.IsReference()):
			t.Fatalf("CompileReference(%q) accepted what Compile does not take as a reference: %v", text, err)
		case refErr != nil && err == nil && p.IsReference():
			t.Fatalf("CompileReference(%q) refused a reference path: %v", text, refErr)
		case refErr != nil:
			if err != nil {
				checkSyntaxError(t, text, err)
			}
			checkSyntaxError(t, text, refErr)
			return
		}
		if !ref.IsDefinite() {
			t.Fatalf("reference path %q is not definite", text)
		}
		root := fuzzDocument(data)
		before := deepCopy(root)
		value := map[string]any{"set": []any{"value"}}
		out, err := ref.Set(root, value)
		if !reflect.DeepEqual(root, before) {
			t.Fatalf("%s: Set changed its input", text)
		}
		if err != nil {
			if !errors.Is(err, ErrPathMismatch) {
				t.Fatalf("%s: Set error %v does not wrap ErrPathMismatch", text, err)
			}
			return
		}
		got, err := ref.Get(out)
		if err != nil || !reflect.DeepEqual(got, value) {
			t.Fatalf("%s: Get after Set = %v (%v), want %v", text, got, err, value)
		}
	})
}

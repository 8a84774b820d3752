package intrinsic

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

// fuzzEnv is a deterministic environment over a fuzzed input: fixed randomness, a fixed
// UUID, a Context object and one variable.
func fuzzEnv(input any) Env {
	vars := map[string]any{"v": map[string]any{"list": []any{1.0, 2.0, 3.0}, "s": "a,b"}}
	return Env{
		Input:     input,
		Context:   map[string]any{"Execution": map[string]any{"Id": "arn:aws:states:us-east-1:123456789012:execution:m:e"}},
		Variables: func(name string) (any, bool) { v, ok := vars[name]; return v, ok },
		Random:    func() float64 { return 0.5 },
		UUID:      func() string { return "c1b2a3d4-0000-4000-8000-000000000000" },
	}
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = copyValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = copyValue(x)
		}
		return out
	}
	return v
}

// FuzzEval compiles fuzzed intrinsic calls and evaluates them on fuzzed inputs. It checks
// that a refused call gets a *SyntaxError inside the text and that only texts starting
// with "States." compile; that evaluation is deterministic (the same Env gives the same
// value or the same error), never changes the input, and fails only with an *Error named
// States.IntrinsicFailure or a *PathError; and that every value it returns can be encoded
// as JSON (it becomes a state's output: no NaN, no infinity, no Go-only types).
func FuzzEval(f *testing.F) {
	input := []byte(`{"a":1,"s":"a,b,,c","n":[3,1,2,3],"o":{"k":"v"},"j":"{\"x\":[1,2]}","b64":"aGVsbG8="}`)
	for _, seed := range []string{
		`States.Format('{} \{\}', $.a)`, `States.Array()`, `States.MathAdd($$.x, -1.5e3)`,
		`States.ArrayGetItem(States.StringSplit($.s, ','), 0)`, `States.Array($['a,b'], $.c[?(@.d == ')')])`,
		`States.ArrayPartition($.n, 2)`, `States.ArrayContains($.n, 3)`, `States.ArrayRange(1, 9, 2)`,
		`States.ArrayLength($.n)`, `States.ArrayUnique($.n)`, `States.Base64Encode($.s)`, `States.Base64Decode($.b64)`,
		`States.Hash($.s, 'SHA-256')`, `States.JsonMerge($.o, {"a": 1}, false)`, `States.JsonMerge($.o, $.o, false)`,
		`States.JsonToString($.o)`, `States.StringToJson($.j)`, `States.MathRandom(1, 10)`, `States.MathRandom(1, 10, 7)`,
		`States.UUID()`, `States.Format('{}-{}', $v.s, $$.Execution.Id)`, `States.MathAdd(9007199254740991, 1)`,
		`States.ArrayRange(-9007199254740991, 9007199254740991, 1)`, `States.StringSplit($v.s, '')`,
	} {
		f.Add(seed, input)
	}
	f.Fuzz(func(t *testing.T, text string, data []byte) {
		c, err := Compile(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Text != text || se.Offset < 0 || se.Offset > len(text) || se.Msg == "" {
				t.Fatalf("Compile(%q) error %T %+v, want a *SyntaxError inside the text", text, err, err)
			}
			return
		}
		// ASL picks intrinsic calls by their "States." prefix before compiling; the parser
		// itself skips blanks before a call, as it does before every argument.
		if !LooksLikeCall(strings.TrimLeft(text, " \t\n\r")) {
			t.Fatalf("Compile(%q) accepted a text that does not look like a call", text)
		}
		var in any = map[string]any{"a": 1.0}
		if json.Unmarshal(data, &in) != nil {
			in = map[string]any{"a": 1.0}
		}
		before := copyValue(in)
		got, err := c.Eval(fuzzEnv(in))
		again, errAgain := c.Eval(fuzzEnv(in))
		if !reflect.DeepEqual(got, again) || !reflect.DeepEqual(err, errAgain) {
			t.Fatalf("%s: two evaluations disagree: %v (%v) and %v (%v)", text, got, err, again, errAgain)
		}
		if !reflect.DeepEqual(in, before) {
			t.Fatalf("%s: evaluation changed the input", text)
		}
		if err != nil {
			var fe *Error
			var pe *PathError
			switch {
			case errors.As(err, &fe):
				if fe.Name != sfn.ErrorIntrinsicFailure || fe.Cause == "" {
					t.Fatalf("%s: error %+v, want States.IntrinsicFailure with a cause", text, fe)
				}
			case errors.As(err, &pe):
				if pe.Path == "" || pe.Err == nil {
					t.Fatalf("%s: path error %+v without its path or cause", text, pe)
				}
			default:
				t.Fatalf("%s: error %T %v, want *Error or *PathError", text, err, err)
			}
			return
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("%s: result %#v cannot be encoded as JSON: %v", text, got, err)
		}
	})
}

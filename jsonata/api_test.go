package jsonata

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestEvalValues(t *testing.T) {
	t.Parallel()
	input, err := DecodeJSON([]byte(`{"b": 1, "a": [1, 2, 3], "n": null, "s": "x"}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		expr string
		want string // JSON, or "undefined"
	}{
		{`a[1]`, `2`},
		{`n`, `null`},
		{`missing`, `undefined`},
		{`$keys($)`, `["b","a","n","s"]`},
		{`$string($)`, `"{\"b\":1,\"a\":[1,2,3],\"n\":null,\"s\":\"x\"}"`},
		{`{"k": a}`, `{"k":[1,2,3]}`},
		{`a.($ * 2)`, `[2,4,6]`},
		{`1e21 & ""`, `"1e+21"`},
		{`0.1 + 0.2 & ""`, `"0.3"`},
		{`-0`, `0`},
		{`$round(2.5) & $round(3.5)`, `"24"`},
		{`$now()`, `"2026-01-02T03:04:05.000Z"`},
		{`$millis()`, `1767323045000`},
		{`$random()`, `0.25`},
		{`$double(b)`, `2`},
		{`$rate * 2`, `1`},
	}
	opts := &EvalOptions{
		Bindings:  map[string]any{"rate": 0.5},
		Functions: map[string]Function{"double": {Signature: "<n:n>", Call: func(args []any) (any, error) { return args[0].(float64) * 2, nil }}},
		Now:       func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		Random:    func() float64 { return 0.25 },
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Eval(input, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got == Undefined {
				if tt.want != "undefined" {
					t.Fatalf("got undefined, want %s", tt.want)
				}
				return
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("got %s, want %s", b, tt.want)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr    string
		opts    *EvalOptions
		code    string
		message string
		pos     int
		token   string
	}{
		{`1 +`, nil, "S0207", "Unexpected end of expression", 3, ""},
		{`"a" + 1`, nil, "T2001", `The left side of the "+" operator must evaluate to a number`, 5, "+"},
		{`$substring("a", "b")`, nil, "T0410", `Argument 2 of function "substring" does not match function signature`, 11, "substring"},
		{`$error("boom")`, nil, "D3137", "boom", 7, "error"},
		{`($f := function($n){$f($n) + 1}; $f(0))`, &EvalOptions{MaxDepth: 30}, "U1001",
			"Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.", 23, "f"},
		{`($f := function($n){$f($n)}; $f(0))`, &EvalOptions{TimeLimit: 10 * time.Millisecond}, "U1001",
			"Expression evaluation timeout: Check for infinite loop", 23, "f"},
		{`$fail()`, &EvalOptions{Functions: map[string]Function{"fail": {Call: func([]any) (any, error) {
			return nil, errors.New("no luck")
		}}}}, "D3137", "no luck", 6, "fail"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if err == nil {
				_, err = e.Eval(Undefined, tt.opts)
			}
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("error %v, want *Error", err)
			}
			if je.Code != tt.code || je.Message != tt.message || je.Position != tt.pos || je.Token != tt.token {
				t.Fatalf("got %s %q at %d token %q, want %s %q at %d token %q",
					je.Code, je.Message, je.Position, je.Token, tt.code, tt.message, tt.pos, tt.token)
			}
		})
	}
}

// A compiled expression is shared by concurrent evaluations (the race detector checks it).
func TestExprConcurrentEval(t *testing.T) {
	t.Parallel()
	e, err := Compile(`Account.Order{OrderID: $sum(Product.(Price * Quantity))} ~> $each(function($v, $k){$k & "=" & $v})`)
	if err != nil {
		t.Fatal(err)
	}
	input, err := DecodeJSON([]byte(benchInput))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := e.Eval(input, nil)
			if err != nil {
				results[i] = err.Error()
				return
			}
			b, _ := json.Marshal(v)
			results[i] = string(b)
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r != `["order103=90.57","order104=245.79"]` {
			t.Fatalf("got %s", r)
		}
	}
}

func TestEvalJSONKeepsOrder(t *testing.T) {
	t.Parallel()
	input, err := DecodeJSON([]byte(`{"z": {"y": 1, "x": 2}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		expr, indent, want string
	}{
		{`{"b": z, "a": 0.1 + 0.2}`, "", `{"b":{"y":1,"x":2},"a":0.30000000000000004}`},
		{`[z.x, -0]`, "  ", "[\n  2,\n  0\n]"},
		{`nothing`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.EvalJSON(input, nil, tt.indent)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEvalFunctionResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want any
	}{
		{`function($x){$x}`, FunctionValue{}},
		{`$string`, FunctionValue{}},
		{`[1, $string]`, []any{1.0, nil}},
		{`{"a": 1, "f": $sum}`, map[string]any{"a": 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Eval(Undefined, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !suiteEqual(got, tt.want) && got != tt.want {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestHostileExpressions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr, code string
	}{
		{"deep nesting", strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000), "U1001"},
		{"deep unary minus", strings.Repeat("-", 100000) + "1", "U1001"},
		{"long operator chain", "1" + strings.Repeat("+1", 100000), "U1001"},
		{"long path", "a" + strings.Repeat(".a", 100000), "U1001"},
		{"deep recursion", `($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(1000000))`, "U1001"},
		{"huge range", `[1..1e8]`, "D2014"},
		{"deeply nested value", `$reduce([1..30000], function($a, $v){{"x": $a}}, {})`, "U1001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if err == nil {
				_, err = e.Eval(Undefined, nil)
			}
			var je *Error
			if !errors.As(err, &je) || je.Code != tt.code {
				t.Fatalf("error %v, want code %s", err, tt.code)
			}
		})
	}
}

package jsonata

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// FuzzCompileEval checks that no expression makes the engine panic or run away: every
// input either compiles and evaluates within the limits or fails with an *Error. It also
// checks that evaluation never changes its input, that with a fixed clock and random source
// it gives the same answer every time, and that EvalJSON prints valid JSON.
func FuzzCompileEval(f *testing.F) {
	seeds := []string{
		`Account.Order.Product.Price`,
		`$sum(Account.Order.Product.(Price * Quantity))`,
		`[1..5].($ * 2)`,
		`{"a": 1, "b": [1,2,3]}.b[1]`,
		`Account.Order[0].Product{SKU: Price}`,
		`($f := function($n){$n < 2 ? $n : $f($n-1) + $f($n-2)}; $f(10))`,
		`$map([1,2,3], function($v, $i){$v + $i})`,
		`Account.Order@$o.Product#$i[$i > 0]{$o.OrderID: $i}`,
		`**.Price ~> $sort()`,
		`$ ~> |Account.Order|{"x": 1}, ["OrderID"]|`,
		`$replace("abc", /b+/i, "X") & $formatNumber(1234.5, "#,##0.00")`,
		`$string(1e21) & $fromMillis(0)`,
		`Account.Order.Product[%.OrderID = "order103"]`,
		`function($x)<n-n:n>{$x}(1)`,
		`$reduce([1,2,3], λ($a, $b){$a + $b}, 10)`,
		`$fromMillis(1521801216617, '[FNn], [D1o] [MNn] [Y] [h]:[m01] [P] [Z01:01t]', '+0530')`,
		`$toMillis('27th April 2008 10:30 pm', '[D1o] [MNn] [Y0001] [h]:[m] [P]')`,
		`$formatInteger(1234, 'w;o') & $parseInteger('twelve', 'w') & $formatBase(255, 16)`,
		`{"now": $now(), "ms": $millis(), "r": $random(), "s": $shuffle([1, 2, 3]), "e": 1e300 * 10}`,
		`$string({"n": 1/3, "big": 123456789012345678901234567890, "u": "\u0000\ud83d\ude00"}, true)`,
		`Account.Order.{"k": $keys($), "l": $lookup($, "OrderID"), "m": $merge([$, {"x": 1}])}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	doc := []byte(`{"Account": {"Order": [{"OrderID": "order103", "Product": [{"SKU": "a", "Price": 34.45, "Quantity": 2}]}, {"OrderID": "order104", "Product": [{"SKU": "b", "Price": 21.67, "Quantity": 1}]}]}}`)
	input, err := DecodeJSON(doc)
	if err != nil {
		f.Fatal(err)
	}
	pristine, err := DecodeJSON(doc)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		expr, err := Compile(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Compile(%q) error %T %v, want *Error", src, err, err)
			}
			return
		}
		opts := &EvalOptions{MaxDepth: 200, TimeLimit: 200 * time.Millisecond,
			Now: func() time.Time { return time.Unix(1700000000, 0) }, Random: func() float64 { return 0.25 }}
		_, err = expr.Eval(input, opts)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("Eval(%q) error %T %v, want *Error", src, err, err)
			}
			if e.Message != "" && len(e.Message) > 24 && e.Message[:24] == "internal evaluation erro" {
				t.Fatalf("Eval(%q) panicked: %v", src, e.Message)
			}
		}
		if !reflect.DeepEqual(input, pristine) {
			t.Fatalf("Eval(%q) changed its input", src)
		}
		// With the clock and randomness fixed, evaluation is a function of the expression
		// and the input, and what EvalJSON prints is JSON.
		first, err1 := expr.EvalJSON(input, opts, "")
		second, err2 := expr.EvalJSON(input, opts, "")
		if timedOut(err1) || timedOut(err2) {
			return
		}
		if !bytes.Equal(first, second) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q evaluated twice: %s (%v) and %s (%v)", src, first, err1, second, err2)
		}
		if first != nil && !json.Valid(first) {
			t.Fatalf("EvalJSON(%q) printed %q, which is not JSON", src, first)
		}
	})
}

// timedOut reports whether an evaluation stopped at its time limit (U1001), which depends on
// the machine's speed rather than on the expression.
func timedOut(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Code == "U1001"
}

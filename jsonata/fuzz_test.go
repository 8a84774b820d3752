package jsonata

import (
	"testing"
	"time"
)

// FuzzCompileEval checks that no expression makes the engine panic or run away: every
// input either compiles and evaluates within the limits or fails with an *Error.
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
	}
	for _, s := range seeds {
		f.Add(s)
	}
	input, err := DecodeJSON([]byte(`{"Account": {"Order": [{"OrderID": "order103", "Product": [{"SKU": "a", "Price": 34.45, "Quantity": 2}]}, {"OrderID": "order104", "Product": [{"SKU": "b", "Price": 21.67, "Quantity": 1}]}]}}`))
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
		_, err = expr.Eval(input, &EvalOptions{MaxDepth: 200, TimeLimit: 200 * time.Millisecond})
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("Eval(%q) error %T %v, want *Error", src, err, err)
			}
			if e.Message != "" && len(e.Message) > 24 && e.Message[:24] == "internal evaluation erro" {
				t.Fatalf("Eval(%q) panicked: %v", src, e.Message)
			}
		}
	})
}

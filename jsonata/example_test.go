package jsonata_test

import (
	"fmt"
	"time"

	"github.com/stepflow/stepflow/jsonata"
)

func Example() {
	input, err := jsonata.DecodeJSON([]byte(`{"Order": {"Items": [
		{"Sku": "a", "Price": 2, "Qty": 3},
		{"Sku": "b", "Price": 5, "Qty": 1}]}}`))
	if err != nil {
		panic(err)
	}
	expr, err := jsonata.Compile(`{"total": $sum(Order.Items.(Price * Qty)) * (1 + $vat), "skus": Order.Items.Sku}`)
	if err != nil {
		panic(err)
	}
	out, err := expr.EvalJSON(input, &jsonata.EvalOptions{Bindings: map[string]any{"vat": 0.25}}, "")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output: {"total":13.75,"skus":["a","b"]}
}

func ExampleExpr_Eval_undefined() {
	expr, _ := jsonata.Compile(`Order.Missing`)
	v, err := expr.Eval(map[string]any{"Order": map[string]any{}}, nil)
	fmt.Println(v == jsonata.Undefined, err)
	// Output: true <nil>
}

func ExampleError() {
	expr, _ := jsonata.Compile(`"a" + 1`)
	_, err := expr.Eval(jsonata.Undefined, nil)
	e := err.(*jsonata.Error)
	fmt.Println(e.Code, e.Message)
	// Output: T2001 The left side of the "+" operator must evaluate to a number
}

func ExampleFunction() {
	expr, _ := jsonata.Compile(`$greet("world") & " at " & $now()`)
	v, _ := expr.Eval(jsonata.Undefined, &jsonata.EvalOptions{
		Functions: map[string]jsonata.Function{"greet": {
			Signature: "<s:s>",
			Call:      func(args []any) (any, error) { return "hello " + args[0].(string), nil },
		}},
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	})
	fmt.Println(v)
	// Output: hello world at 2026-01-02T03:04:05.000Z
}

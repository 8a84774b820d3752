package jsonata

import (
	"errors"
	"strings"
	"testing"
)

// TestEvaluationBudget: expressions that build values without bound stop with U1003 at the
// default budget, long before they hold gigabytes; each of them ran out of memory before.
func TestEvaluationBudget(t *testing.T) {
	t.Parallel()
	items := "array items and object entries"
	bytes := "bytes of strings"
	tests := []struct {
		name, expr, want string
	}{
		{"range in a map", `$map([1..10000000], function($v){[1..10000000]})`, items},
		{"string doubling", `$reduce([1..40], function($a, $v){$a & $a}, "x")`, bytes},
		{"append doubling", `$reduce([1..40], function($a, $v){$append($a, $a)}, [1])`, items},
		{"array doubling", `$reduce([1..40], function($a, $v){[$a, $a]}, [1])`, items},
		{"pad", `$map([1..100], function($v){$pad("x", 500000000)})`, bytes},
		{"join of a huge array", `($s := $pad("", 1000000); $join([1..300].($s)))`, bytes},
		{"shared array flattened by a path", `($a := [1..1000000]; [1..1000].$a)`, items},
		{"shared array copied out", `($a := [1..100000]; $map([1..1000], function($v){$a}))`, items},
		{"shared string as JSON", `($s := $pad("", 100000); $string($map([1..3000], function($v){$s})))`, bytes},
		{"shared array pretty-printed", `($a := [$pad("", 100000)]; $string($map([1..3000], function($v){$a}), true))`, bytes},
		{"replace amplified", `$replace($pad("", 100000, "a"), "a", $pad("", 100000, "b"))`, bytes},
		{"clone of a shared tree", `$clone($reduce([1..40], function($a, $v){{"l": $a, "r": $a}}, {}))`, items},
		{"shared array cloned", `($a := [1..100000]; $clone($map([1..1000], function($v){$a})))`, items},
		{"descendants of a shared tree", `$count($reduce([1..40], function($a, $v){{"l": $a, "r": $a}}, {}).**)`, items},
		{"split into characters", `$split($join($map([1..1000], function($v){$pad("", 100000, "a")})), "")`, items},
	}
	// one at a time: each may hold a few hundred megabytes before its budget stops it
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Eval(Undefined, nil)
			var je *Error
			if !errors.As(err, &je) || je.Code != "U1003" || !strings.Contains(je.Message, tt.want) {
				t.Fatalf("error %v, want U1003 about %s", err, tt.want)
			}
		})
	}
}

// TestEvaluationBudgetAllowsRealWork: what real workflows do, at sizes well past a state's
// payload limit, stays within the default budget.
func TestEvaluationBudgetAllowsRealWork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr string
		want       any
	}{
		{"largest range", `$count([1..10000000])`, 1e7},
		{"map over a large array", `$sum($map([1..1000000], function($v){$v * 2}))`, 1000001e6},
		{"csv built in a loop", `$length($reduce([1..5000], function($acc, $v){$acc & "item-" & $v & ","}, ""))`, 48893.0},
		{"grouping a large array", `$count($keys([1..200000]{$string($ % 10): $}))`, 10.0},
		{"values appended into groups", `$count(([1..200000]{"all": $}).all)`, 200000.0},
		{"pad within limits", `$length($pad("x", 1000000))`, 1e6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Eval(Undefined, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEvaluationBudgetOptions: the budget can be set per evaluation, or switched off.
func TestEvaluationBudgetOptions(t *testing.T) {
	t.Parallel()
	e, err := Compile(`[1..1000] ~> $map(function($v){$string($v)}) ~> $join(",")`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(Undefined, &EvalOptions{MaxElements: 1500}); err == nil || !strings.Contains(err.Error(), "more than 1500 array items") {
		t.Errorf("MaxElements 1500: %v", err)
	}
	if _, err := e.Eval(Undefined, &EvalOptions{MaxStringBytes: 3000}); err == nil || !strings.Contains(err.Error(), "more than 3000 bytes") {
		t.Errorf("MaxStringBytes 3000: %v", err)
	}
	if _, err := e.Eval(Undefined, &EvalOptions{MaxElements: -1, MaxStringBytes: -1}); err != nil {
		t.Errorf("no budget: %v", err)
	}
}

// TestErrorMessageQuotesValueShort: an error message quotes at most about a kilobyte of the
// offending value.
func TestErrorMessageQuotesValueShort(t *testing.T) {
	t.Parallel()
	e, err := Compile(`$number($pad("", 100000, "a"))`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Eval(Undefined, nil)
	var je *Error
	if !errors.As(err, &je) || je.Code != "D3030" || len(je.Message) > 1100 || !strings.HasSuffix(je.Message, "...") {
		t.Fatalf("got %.200v (%d bytes)", err, len(err.Error()))
	}
}

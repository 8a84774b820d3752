package interp

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestJSONataTimeLimit: an expression that never ends (tail recursion does not grow the
// depth) fails the state with States.QueryEvaluationError instead of hanging the engine.
func TestJSONataTimeLimit(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"QueryLanguage":"JSONata","StartAt":"Loop","States":{"Loop":{"Type":"Pass",
		"Output":"{% ($f := function($n){ $f($n + 1) }; $f(0)) %}","End":true}}}`,
		Options{ExpressionTimeLimit: 50 * time.Millisecond})
	d := &driver{tasks: echoTasks, t: t}
	got := d.run(p, map[string]any{}).Result()
	if got.Status != "FAILED" || got.Error != "States.QueryEvaluationError" || !strings.Contains(got.Cause, "U1001") {
		t.Fatalf("got %s %s: %s", got.Status, got.Error, got.Cause)
	}
}

// TestJSONataEvalUnsupported: AWS runs JSONata without $eval, so a definition calling it fails
// with States.QueryEvaluationError, while $parse works.
func TestJSONataEvalUnsupported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		output, wantStatus, wantCause string
	}{
		{`{% $eval('1 + 1') %}`, "FAILED", "the function $eval is not supported in AWS Step Functions"},
		{`{% $parse('{"a": 1}').a %}`, "SUCCEEDED", ""},
	}
	for _, tt := range tests {
		p := compile(t, `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"`+strings.ReplaceAll(tt.output, `"`, `\"`)+`","End":true}}}`, Options{})
		d := &driver{tasks: echoTasks, t: t}
		got := d.run(p, map[string]any{}).Result()
		if string(got.Status) != tt.wantStatus || !strings.Contains(got.Cause, tt.wantCause) {
			t.Errorf("%s: %s %s: %s", tt.output, got.Status, got.Error, got.Cause)
		}
	}
}

// TestAssignSizeLimits: a variable, or a state's assignments together, larger than the payload
// limit fail the state with States.DataLimitExceeded, as AWS's variable quotas do.
func TestAssignSizeLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		assign, wantStatus, wantCause string
	}{
		{`{"small.$":"States.ArrayRange(1, 3, 1)"}`, "SUCCEEDED", ""},
		{`{"big.$":"States.ArrayRange(1, 400, 1)"}`, "FAILED", "The variable 'big' assigned by the state 'P' has a size exceeding the maximum of 1000 bytes."},
		{`{"a.$":"States.ArrayRange(1, 160, 1)","b.$":"States.ArrayRange(1, 160, 1)"}`, "FAILED", "The variables assigned by the state 'P' have a combined size exceeding the maximum of 1000 bytes."},
	}
	for _, tt := range tests {
		p := compile(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":`+tt.assign+`,"Result":{},"End":true}}}`, Options{PayloadLimit: 1000})
		d := &driver{tasks: echoTasks, t: t}
		got := d.run(p, map[string]any{}).Result()
		if string(got.Status) != tt.wantStatus || got.Cause != tt.wantCause {
			t.Errorf("%s: %s %s: %s", tt.assign, got.Status, got.Error, got.Cause)
		}
	}
}

// TestStoredVariablesLimit: the variables one execution holds may not exceed 10 MiB together,
// even when each assignment is within the payload limit.
func TestStoredVariablesLimit(t *testing.T) {
	t.Parallel()
	var states strings.Builder
	const n = 50 // 50 variables of ~240 KB each: 12 MB in all
	for i := 0; i < n; i++ {
		next := fmt.Sprintf(`"Next":"S%d"`, i+1)
		if i == n-1 {
			next = `"End":true`
		}
		fmt.Fprintf(&states, `"S%d":{"Type":"Pass","Assign":{"v%d.$":"$.big"},%s},`, i, i, next)
	}
	def := `{"StartAt":"S0","States":{` + strings.TrimSuffix(states.String(), ",") + `}}`
	p := compile(t, def, Options{PayloadLimit: 600 << 10})
	d := &driver{tasks: echoTasks, t: t}
	got := d.run(p, map[string]any{"big": strings.Repeat("x", 240<<10)}).Result()
	if got.Error != "States.DataLimitExceeded" || !strings.Contains(got.Cause, "variables of the execution") {
		t.Fatalf("got %s %s: %s", got.Status, got.Error, got.Cause)
	}
}

// TestJSONataMemoryBudget: an expression that keeps allocating fails the state with
// States.QueryEvaluationError and the budget's U1003 cause, instead of taking the process's
// memory (this one passed 4 GB before its time limit stopped it).
func TestJSONataMemoryBudget(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"QueryLanguage":"JSONata","StartAt":"Grow","States":{"Grow":{"Type":"Pass",
		"Output":"{% $map([1..10000000], function($v){[1..10000000]}) %}","End":true}}}`, Options{})
	d := &driver{tasks: echoTasks, t: t}
	got := d.run(p, map[string]any{}).Result()
	if got.Status != "FAILED" || got.Error != "States.QueryEvaluationError" || !strings.Contains(got.Cause, "U1003: Evaluation budget exceeded") {
		t.Fatalf("got %s %s: %s", got.Status, got.Error, got.Cause)
	}
}

package interp

import (
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

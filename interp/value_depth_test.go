package interp

import (
	"encoding/json"
	"strings"
	"testing"
)

func nested(t *testing.T, depth int) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(strings.Repeat(`{"a":`, depth-1)+`[]`+strings.Repeat(`}`, depth-1)), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestValueDepthLimit: a value nested more than MaxValueDepth levels fails the execution
// with States.DataLimitExceeded, whether it is the input, a task's result or built by an
// expression. An input of 10,000 levels (all encoding/json accepts) used to start and then
// leave a snapshot that could not be restored.
func TestValueDepthLimit(t *testing.T) {
	t.Parallel()
	tooDeep := "nested more than 1000 levels deep"
	const pass = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}`
	tests := []struct {
		name, def string
		input     any
		status    string
		cause     string
	}{
		{"input of 1000 levels", pass, nested(t, 1000), "SUCCEEDED", ""},
		{"input of 1001 levels", pass, nested(t, 1001), "FAILED", "The state/task 'W' returned a result " + tooDeep},
		{"input of 10000 levels", pass, nested(t, 10000), "FAILED", tooDeep},
		{"task result", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`,
			map[string]any{"deep": nested(t, 1000)}, "FAILED", "The state/task 'T' returned a result " + tooDeep},
		{"JSONata result", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass",
			"Output":"{% $reduce([1..1500], function($a, $v){{\"a\": $a}}, {}) %}","End":true}}}`, map[string]any{}, "FAILED", tooDeep},
		{"template wraps an input of 1000 levels", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$"},"End":true}}}`,
			nested(t, 1000), "FAILED", tooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, tt.def, Options{PayloadLimit: 256 << 10})
			d := &driver{tasks: echoTasks, t: t}
			got := d.run(p, tt.input).Result()
			if string(got.Status) != tt.status || (tt.cause != "" && (got.Error != "States.DataLimitExceeded" || !strings.Contains(got.Cause, tt.cause))) {
				t.Fatalf("got %s %s: %.200s", got.Status, got.Error, got.Cause)
			}
		})
	}
	if TooDeep(nested(t, 1000)) || !TooDeep(nested(t, 1001)) {
		t.Error("TooDeep disagrees with MaxValueDepth")
	}
}

package interp

import (
	"strings"
	"testing"
	"time"
)

func TestAfterSecondsSaturates(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := afterSeconds(t0, int64(90)); !got.Equal(t0.Add(90 * time.Second)) {
		t.Errorf("90 s: %v", got)
	}
	for _, huge := range []float64{1e10, 1e30} {
		if got := afterSeconds(t0, huge); !got.After(t0.Add(100 * 365 * 24 * time.Hour)) {
			t.Errorf("%g s ends at %v: a huge wait wrapped around", huge, got)
		}
	}
	if got := afterSeconds(t0, int64(-5)); !got.Equal(t0) {
		t.Errorf("negative: %v", got)
	}
}

// TestWaitBounds: a Wait that would last more than a year fails
// with States.Runtime (AWS would time the execution out first; a wrapped-around timer used to
// end such a Wait at once), a SecondsPath beyond a Java long cannot be parsed, as on AWS, and
// JSONata Seconds must be in AWS's documented range.
func TestWaitBounds(t *testing.T) {
	t.Parallel()
	const jsonPath = `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`
	const jsonPathTimestamp = `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}}`
	const jsonata = `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","End":true}}}`
	tooLate := "longer than the maximum duration of an execution (one year)"
	tests := []struct {
		name, def string
		input     map[string]any
		status    string
		error     string
		cause     string
	}{
		{"a year exactly", jsonPath, map[string]any{"s": 365 * 24 * 3600.0}, "SUCCEEDED", "", ""},
		{"a year and a second", jsonPath, map[string]any{"s": 365*24*3600.0 + 1}, "FAILED", "States.Runtime", tooLate},
		{"1e10 seconds", jsonPath, map[string]any{"s": 1e10}, "FAILED", "States.Runtime", tooLate},
		{"9.2e18 seconds", jsonPath, map[string]any{"s": 9.2e18}, "FAILED", "States.Runtime", tooLate},
		{"1e300 seconds", jsonPath, map[string]any{"s": 1e300}, "FAILED", "States.Runtime", "The SecondsPath parameter cannot be parsed as a long value: $.s == 1e+300"},
		{"timestamp in year 9999", jsonPathTimestamp, map[string]any{"t": "9999-12-31T23:59:59Z"}, "FAILED", "States.Runtime", tooLate},
		{"JSONata 99999999", jsonata, map[string]any{"s": 99999999.0}, "FAILED", "States.Runtime", tooLate},
		{"JSONata 1e300", jsonata, map[string]any{"s": 1e300}, "FAILED", "States.QueryEvaluationError", "The Seconds field must be an integer from 0 to 99999999, but was: 1e+300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, tt.def, Options{})
			d := &driver{tasks: echoTasks, t: t}
			got := d.run(p, tt.input).Result()
			if string(got.Status) != tt.status || got.Error != tt.error || !strings.Contains(got.Cause, tt.cause) {
				t.Fatalf("got %s %s: %s", got.Status, got.Error, got.Cause)
			}
		})
	}
}

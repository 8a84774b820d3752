package interp

import (
	"testing"
	"time"
)

// TestStateTimes checks the time per state that the engine hands to the performance
// rollups: from each Entered to its Exited on the step times given, across a snapshot and
// restore, with a Fail state (never exited) left out.
func TestStateTimes(t *testing.T) {
	t.Parallel()
	p := compile(t, `{
	  "StartAt": "Loop",
	  "States": {
	    "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 0, "Next": "Nap"}], "Default": "Boom"},
	    "Nap": {"Type": "Wait", "Seconds": 10, "Next": "Count"},
	    "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, -1)"}, "Next": "Loop"},
	    "Boom": {"Type": "Fail", "Error": "Done"}
	  }
	}`, Options{})
	d := &driver{program: p, restoreAfter: 1, t: t}
	e := d.run(p, decode(t, `{"n": 3}`))
	got := e.State().StateTimes
	want := map[string]StateTime{
		"Loop":  {Runs: 4},
		"Nap":   {Runs: 3, Total: 30 * time.Second, Max: 10 * time.Second},
		"Count": {Runs: 3},
	}
	if len(got) != len(want) {
		t.Fatalf("state times %+v, want %+v", got, want)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %+v, want %+v", name, got[name], w)
		}
	}
}

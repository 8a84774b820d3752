package ui_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
)

// outcomesMachine succeeds, fails with Boom, or waits an hour, as its input asks.
const outcomesMachine = `{
  "StartAt": "Check",
  "States": {
    "Check": {"Type": "Choice", "Choices": [
      {"Variable": "$.outcome", "StringEquals": "fail", "Next": "Boom"},
      {"Variable": "$.outcome", "StringEquals": "wait", "Next": "Hold"}
    ], "Default": "Work"},
    "Work": {"Type": "Pass", "Next": "Done"},
    "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
    "Done": {"Type": "Succeed"},
    "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "asked to"}
  }
}`

// runOutcomes creates a state machine and runs 3 executions that succeed, 2 that fail with
// Boom, 1 that is stopped and 1 still waiting; it returns the machine's ARN.
func runOutcomes(t *testing.T, s *uiServer, name string) string {
	t.Helper()
	ctx := context.Background()
	arn := s.createStateMachine(t, name, outcomesMachine)
	start := func(exName, outcome string) string {
		ex, err := s.eng.StartExecution(ctx, &engine.StartExecutionParams{StateMachineARN: arn, Name: exName, Input: `{"outcome": "` + outcome + `"}`})
		if err != nil {
			t.Fatalf("start %s: %v", exName, err)
		}
		return ex.ARN
	}
	for i, outcome := range []string{"ok", "fail", "ok", "fail", "ok"} {
		exArn := start(fmt.Sprintf("run-%d", i), outcome)
		ex, err := s.eng.AwaitExecution(ctx, exArn)
		if err != nil {
			t.Fatalf("await %s: %v", exArn, err)
		}
		if want := map[string]sfn.ExecutionStatus{"ok": sfn.StatusSucceeded, "fail": sfn.StatusFailed}[outcome]; ex.Status != want {
			t.Fatalf("%s ended %s, want %s", exArn, ex.Status, want)
		}
	}
	stopped := start("stopped", "wait")
	if _, err := s.eng.StopExecution(ctx, stopped, "", ""); err != nil {
		t.Fatalf("stop: %v", err)
	}
	start("waiting", "wait")
	return arn
}

type performance struct {
	Range  string
	Totals struct {
		Started, Succeeded, Failed, TimedOut, Aborted, Running int
		P50Ms, P90Ms, P99Ms                                    *float64
	}
	Buckets []struct {
		Started, Succeeded, Failed int
	}
	SlowestStates []struct {
		State string
		Runs  int
	}
	StateSample int
	Errors      []struct {
		Error               string
		Count               int
		ExampleExecutionArn string
	}
	Error string
}

func TestPerformance(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	arn := runOutcomes(t, s, "outcomes")
	for _, rng := range []string{"hour", "day", "week", "30d"} {
		var got performance
		if status := s.getJSON(t, "/ui/api/state-machines/"+esc(arn)+"/performance?range="+rng, &got); status != 200 {
			t.Fatalf("%s: status %d %s", rng, status, got.Error)
		}
		tt := got.Totals
		if tt.Started != 7 || tt.Succeeded != 3 || tt.Failed != 2 || tt.Aborted != 1 || tt.Running != 1 || tt.TimedOut != 0 {
			t.Errorf("%s: totals %+v, want 7 started, 3 succeeded, 2 failed, 1 aborted, 1 running", rng, tt)
		}
		if tt.P50Ms == nil || tt.P99Ms == nil || *tt.P50Ms > *tt.P99Ms {
			t.Errorf("%s: percentiles %v %v", rng, tt.P50Ms, tt.P99Ms)
		}
		started := 0
		for _, b := range got.Buckets {
			started += b.Started
		}
		if started != 7 {
			t.Errorf("%s: buckets count %d started, want 7", rng, started)
		}
		if len(got.Errors) != 1 || got.Errors[0].Error != "Boom" || got.Errors[0].Count != 2 || got.Errors[0].ExampleExecutionArn != s.eng.Scope().ExecutionARN("outcomes", "run-3") {
			t.Errorf("%s: errors %+v, want Boom ×2, the most recent run-3", rng, got.Errors)
		}
		// The 6 ended executions' histories: Check ran in each; Work and Done in the 3 that
		// succeeded; Hold was stopped before it exited; a Fail state never exits.
		runs := map[string]int{}
		for _, st := range got.SlowestStates {
			runs[st.State] = st.Runs
		}
		if got.StateSample != 6 || runs["Check"] != 6 || runs["Work"] != 3 || runs["Done"] != 3 || len(runs) != 3 {
			t.Errorf("%s: state sample %d, runs %v, want 6 executions, Check 6, Work 3, Done 3", rng, got.StateSample, runs)
		}
	}
	var bad performance
	if status := s.getJSON(t, "/ui/api/state-machines/"+esc(arn)+"/performance?range=year", &bad); status != 400 || bad.Error == "" {
		t.Errorf("range=year: %d %q", status, bad.Error)
	}
	if status := s.getJSON(t, "/ui/api/state-machines/"+esc(s.eng.Scope().StateMachineARN("nope"))+"/performance", &bad); status != 404 {
		t.Errorf("unknown machine: %d", status)
	}
}

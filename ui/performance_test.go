package ui_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stepflow/stepflow/task"

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
		Started, Succeeded, Failed, TimedOut, Aborted int
		P50Ms, P90Ms, P99Ms                           *float64
	}
	Buckets []struct {
		Start                                         time.Time
		Started, Succeeded, Failed, TimedOut, Aborted int
	}
	BucketSeconds        int
	DurationErrorPercent float64
	SlowestStates        []struct {
		State              string
		Runs               int
		AverageMs, TotalMs float64
	}
	Errors []struct {
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
		if tt.Started != 7 || tt.Succeeded != 3 || tt.Failed != 2 || tt.Aborted != 1 || tt.TimedOut != 0 {
			t.Errorf("%s: totals %+v, want 7 started, 3 succeeded, 2 failed, 1 aborted", rng, tt)
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
		// The 6 ended executions: Check ran in each; Work and Done in the 3 that succeeded;
		// Hold was stopped before it exited; a Fail state never exits. The execution still
		// waiting has not ended: its Check is not counted yet.
		runs := map[string]int{}
		for _, st := range got.SlowestStates {
			runs[st.State] = st.Runs
		}
		if runs["Check"] != 6 || runs["Work"] != 3 || runs["Done"] != 3 || len(runs) != 3 {
			t.Errorf("%s: runs %v, want Check 6, Work 3, Done 3", rng, runs)
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

// seededMachine runs a task that takes as long as its input says, then ends as the input
// asks: succeeding, failing with Boom or Other, or waiting until stopped or timed out.
const seededMachine = `{
  "TimeoutSeconds": 1,
  "StartAt": "Work",
  "States": {
    "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work", "Next": "Route"},
    "Route": {"Type": "Choice", "Choices": [
      {"Variable": "$.outcome", "StringEquals": "boom", "Next": "Boom"},
      {"Variable": "$.outcome", "StringEquals": "other", "Next": "Other"},
      {"Variable": "$.outcome", "StringEquals": "wait", "Next": "Hold"}
    ], "Default": "Done"},
    "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
    "Done": {"Type": "Succeed"},
    "Boom": {"Type": "Fail", "Error": "Boom"},
    "Other": {"Type": "Fail", "Error": "Other"}
  }
}`

// TestPerformanceMatchesHistory seeds a history of executions of every outcome and checks
// that the dashboard, read from the rollups, says what the executions and their histories
// (read back through the AWS SDK) say: the same counts per interval and in total, the same
// errors with the most recent example, the same runs and times per state, and percentiles
// within the stated bound of the exact ones.
func TestPerformanceMatchesHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t, task.InvokerFunc(func(ctx context.Context, req *task.Request) (any, error) {
		ms := req.Input.(map[string]any)["ms"].(float64)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return req.Input, nil
	}))
	arn := s.createStateMachine(t, "seeded", seededMachine)
	outcomes := []string{"ok", "ok", "boom", "ok", "other", "ok", "boom", "ok"}
	var arns []string
	start := func(outcome string, ms int) string {
		ex, err := s.eng.StartExecution(ctx, &engine.StartExecutionParams{StateMachineARN: arn,
			Input: fmt.Sprintf(`{"outcome": %q, "ms": %d}`, outcome, ms)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, ex.ARN)
		return ex.ARN
	}
	// One waits until its execution times out; one is stopped with an error of its own.
	timesOut := start("wait", 1)
	stopped := start("wait", 1)
	for i := range 32 {
		exArn := start(outcomes[i%len(outcomes)], 1+(i*7)%23)
		if _, err := s.eng.AwaitExecution(ctx, exArn); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.eng.StopExecution(ctx, stopped, "Cancelled", "by the test"); err != nil {
		t.Fatal(err)
	}
	if ex, err := s.eng.AwaitExecution(ctx, timesOut); err != nil || ex.Status != sfn.StatusTimedOut {
		t.Fatalf("the waiting execution: %+v %v", ex, err)
	}

	// The record, as a client sees it.
	client := s.sdk()
	var records []executionRecord
	durations := []float64{}
	stateRuns := map[string]int{}
	stateTotal := map[string]float64{}
	for _, exArn := range arns {
		d, err := client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(exArn)})
		if err != nil {
			t.Fatal(err)
		}
		r := executionRecord{arn: exArn, errName: aws.ToString(d.Error), status: sfn.ExecutionStatus(d.Status), startDate: *d.StartDate, stopAt: *d.StopDate}
		records = append(records, r)
		durations = append(durations, float64(r.stopAt.Sub(r.startDate))/float64(time.Millisecond))
		h, err := client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(exArn), MaxResults: 1000})
		if err != nil {
			t.Fatal(err)
		}
		entered := map[string][]time.Time{}
		for _, ev := range h.Events {
			switch {
			case ev.StateEnteredEventDetails != nil:
				name := aws.ToString(ev.StateEnteredEventDetails.Name)
				entered[name] = append(entered[name], *ev.Timestamp)
			case ev.StateExitedEventDetails != nil:
				name := aws.ToString(ev.StateExitedEventDetails.Name)
				stateRuns[name]++
				stateTotal[name] += float64(ev.Timestamp.Sub(entered[name][0])) / float64(time.Millisecond)
				entered[name] = entered[name][1:]
			}
		}
	}

	for _, rng := range []string{"hour", "day"} {
		var got performance
		if status := s.getJSON(t, "/ui/api/state-machines/"+esc(arn)+"/performance?range="+rng, &got); status != 200 {
			t.Fatalf("%s: status %d %s", rng, status, got.Error)
		}
		// Counts per interval: started by the start date, outcomes by the stop date.
		type counts struct{ Started, Succeeded, Failed, TimedOut, Aborted int }
		want := make([]counts, len(got.Buckets))
		var total counts
		bucket := func(at time.Time) int {
			return int(at.Sub(got.Buckets[0].Start) / (time.Duration(got.BucketSeconds) * time.Second))
		}
		for _, r := range records {
			want[bucket(r.startDate)].Started++
			total.Started++
			c := &want[bucket(r.stopAt)]
			switch r.status {
			case sfn.StatusSucceeded:
				c.Succeeded++
				total.Succeeded++
			case sfn.StatusFailed:
				c.Failed++
				total.Failed++
			case sfn.StatusTimedOut:
				c.TimedOut++
				total.TimedOut++
			case sfn.StatusAborted:
				c.Aborted++
				total.Aborted++
			}
		}
		for i, b := range got.Buckets {
			if c := (counts{b.Started, b.Succeeded, b.Failed, b.TimedOut, b.Aborted}); c != want[i] {
				t.Errorf("%s: bucket %s counts %+v, the history's %+v", rng, b.Start.Format(time.TimeOnly), c, want[i])
			}
		}
		tt := got.Totals
		if c := (counts{tt.Started, tt.Succeeded, tt.Failed, tt.TimedOut, tt.Aborted}); c != total || total != (counts{34, 20, 12, 1, 1}) {
			t.Errorf("%s: totals %+v, the history's %+v", rng, c, total)
		}
		// Percentiles: the client's times are to the millisecond, the store's to the microsecond.
		sorted := slices.Clone(durations)
		slices.Sort(sorted)
		for q, p := range map[float64]*float64{0.5: tt.P50Ms, 0.9: tt.P90Ms, 0.99: tt.P99Ms} {
			exact := sorted[int(math.Ceil(q*float64(len(sorted))))-1]
			if p == nil || math.Abs(*p-exact) > exact*got.DurationErrorPercent/100+1 {
				t.Errorf("%s: p%v %v ms, the history's %v ms (within %v%%)", rng, q*100, p, exact, got.DurationErrorPercent)
			}
		}
		// Errors, most frequent first, each with the execution that ended with it last.
		wantErrors := map[string]int{}
		latest := map[string]executionRecord{}
		for _, r := range records {
			if r.errName != "" {
				wantErrors[r.errName]++
				if r.stopAt.After(latest[r.errName].stopAt) || latest[r.errName].arn == "" {
					latest[r.errName] = r
				}
			}
		}
		if len(got.Errors) != len(wantErrors) {
			t.Errorf("%s: errors %+v, the history's %v", rng, got.Errors, wantErrors)
		}
		for i, e := range got.Errors {
			if e.Count != wantErrors[e.Error] || (i > 0 && e.Count > got.Errors[i-1].Count) {
				t.Errorf("%s: error %s ×%d, the history's ×%d (or out of order)", rng, e.Error, e.Count, wantErrors[e.Error])
			}
			if l := latest[e.Error]; e.ExampleExecutionArn != l.arn && !stoppedAt(records, e.ExampleExecutionArn).Equal(l.stopAt) {
				t.Errorf("%s: error %s's example %s, the most recent is %s", rng, e.Error, e.ExampleExecutionArn, l.arn)
			}
		}
		// Time per state: the same runs, the same total within a millisecond per run.
		if len(got.SlowestStates) != len(stateRuns) {
			t.Errorf("%s: states %+v, the history's %v", rng, got.SlowestStates, stateRuns)
		}
		for _, st := range got.SlowestStates {
			if st.Runs != stateRuns[st.State] || math.Abs(st.TotalMs-stateTotal[st.State]) > float64(st.Runs) {
				t.Errorf("%s: state %s: %d runs, %v ms; the history's %d runs, %v ms", rng, st.State, st.Runs, st.TotalMs, stateRuns[st.State], stateTotal[st.State])
			}
		}
	}
}

// executionRecord is an execution as DescribeExecution shows it.
type executionRecord struct {
	arn, errName      string
	status            sfn.ExecutionStatus
	startDate, stopAt time.Time
}

// stoppedAt is the stop date of the named execution among records (zero when absent).
func stoppedAt(records []executionRecord, arn string) time.Time {
	for _, r := range records {
		if r.arn == arn {
			return r.stopAt
		}
	}
	return time.Time{}
}

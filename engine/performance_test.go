package engine

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// TestPerformanceRollups runs Standard and Express executions whose task takes as long as its
// input says on the test clock, and checks that the store's rollups hold their exact counts,
// durations, time per state and errors, and that retention removes them with the executions.
func TestPerformanceRollups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newTestClock()
	invoker := funcInvoker{lambdaARN + "work": func(ctx context.Context, req *task.Request) (any, error) {
		in := req.Input.(map[string]any)
		clock.Advance(time.Duration(in["ms"].(float64)) * time.Millisecond)
		if in["fail"] == true {
			return nil, &task.Error{Name: "Boom", Cause: "asked to"}
		}
		return in, nil
	}}
	e := startEngine(t, Config{Now: clock.Now, Invoker: invoker, Retention: 24 * time.Hour})
	definition := `{"StartAt": "Work", "States": {
		"Work": {"Type": "Task", "Resource": "` + lambdaARN + `work", "Next": "Done"},
		"Done": {"Type": "Pass", "End": true}}}`
	standard := createMachine(t, e, "standard", definition, sfn.TypeStandard)
	express := createMachine(t, e, "express", definition, sfn.TypeExpress)
	start := clock.Now()
	var failed string
	for _, input := range []string{`{"ms": 100}`, `{"ms": 200}`, `{"ms": 300}`, `{"ms": 400, "fail": true}`} {
		rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: standard, Input: input})
		if err != nil {
			t.Fatal(err)
		}
		if end := awaitEnd(t, e, rec.ARN); end.Status == sfn.StatusFailed {
			failed = rec.ARN
		}
	}
	if _, err := e.StartSyncExecution(ctx, &StartExecutionParams{StateMachineARN: express, Input: `{"ms": 50}`}); err != nil {
		t.Fatal(err)
	}
	list := func(machine string) *store.PerformanceList {
		t.Helper()
		l, err := e.Store().PerformanceList(ctx, &store.PerformanceListParams{StateMachineARN: machine, Resolution: time.Hour,
			From: start.Add(-time.Hour), To: start.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	hist := store.DurationHistogram{}
	for _, ms := range []time.Duration{100, 200, 300, 400} {
		hist[store.DurationSlot(ms*time.Millisecond)]++
	}
	want := &store.PerformanceList{
		Buckets: []*store.PerformanceBucket{{Start: store.BucketStart(start, time.Hour), Started: 4, Succeeded: 3, Failed: 1, Durations: hist}},
		// The failed run's Work never exited: its 400 ms are in its duration, not in Work's.
		States: []store.StateTime{{Name: "Done", Runs: 3}, {Name: "Work", Runs: 3, Total: 600 * time.Millisecond, Max: 300 * time.Millisecond}},
		Errors: []*store.PerformanceError{{Error: "Boom", Executions: 1, Example: failed}},
	}
	if got := list(standard); !reflect.DeepEqual(got, want) {
		t.Errorf("standard rollups:\n got %s\nwant %s", dump(got), dump(want))
	}
	// An Express run steps on the real clock (Run's), not the engine's test clock: its times
	// are not the test's to predict, its counts are.
	got := list(express)
	if len(got.Buckets) != 1 || got.Buckets[0].Started != 1 || got.Buckets[0].Succeeded != 1 || got.Buckets[0].Durations.Total() != 1 ||
		len(got.States) != 2 || got.States[0].Name != "Done" || got.States[1].Name != "Work" || got.States[1].Runs != 1 {
		t.Errorf("express rollups: %s", dump(got))
	}

	clock.Advance(26 * time.Hour)
	if n := e.SweepRetention(ctx); n != 5 {
		t.Fatalf("swept %d executions, want 5", n)
	}
	if got := list(standard); len(got.Buckets)+len(got.States)+len(got.Errors) != 0 {
		t.Errorf("rollups after retention: %s", dump(got))
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestPerformanceRollupsRedrive checks that a redriven execution is started once and ended
// twice, each run with its own duration, and that the time per state is that of the run
// that ended.
func TestPerformanceRollupsRedrive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newTestClock()
	var calls atomic.Int64
	invoker := funcInvoker{lambdaARN + "flaky": func(ctx context.Context, req *task.Request) (any, error) {
		n := calls.Add(1)
		clock.Advance(time.Duration(n) * 100 * time.Millisecond)
		if n == 1 {
			return nil, &task.Error{Name: "Flaky", Cause: "first call fails"}
		}
		return req.Input, nil
	}}
	e := startEngine(t, Config{Now: clock.Now, Invoker: invoker})
	sm := createMachine(t, e, "redriven", `{"StartAt": "Call", "States": {
		"Call": {"Type": "Task", "Resource": "`+lambdaARN+`flaky", "End": true}}}`, sfn.TypeStandard)
	start := clock.Now()
	rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatal(err)
	}
	if end := awaitEnd(t, e, rec.ARN); end.Status != sfn.StatusFailed {
		t.Fatalf("first run ended %s", end.Status)
	}
	clock.Advance(time.Minute)
	if _, err := e.RedriveExecution(ctx, rec.ARN); err != nil {
		t.Fatal(err)
	}
	if end := awaitEnd(t, e, rec.ARN); end.Status != sfn.StatusSucceeded {
		t.Fatalf("redriven run ended %s", end.Status)
	}
	got, err := e.Store().PerformanceList(ctx, &store.PerformanceListParams{StateMachineARN: sm, Resolution: 24 * time.Hour,
		From: start.Add(-24 * time.Hour), To: start.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := &store.PerformanceList{
		Buckets: []*store.PerformanceBucket{{Start: store.BucketStart(start, 24*time.Hour), Started: 1, Succeeded: 1, Failed: 1,
			Durations: store.DurationHistogram{store.DurationSlot(100 * time.Millisecond): 1, store.DurationSlot(200 * time.Millisecond): 1}}},
		States: []store.StateTime{{Name: "Call", Runs: 1, Total: 200 * time.Millisecond, Max: 200 * time.Millisecond}},
		Errors: []*store.PerformanceError{{Error: "Flaky", Executions: 1, Example: rec.ARN}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rollups:\n got %s\nwant %s", dump(got), dump(want))
	}
}

// checkRollupsMatchHistories checks that the performance rollups of machine hold exactly what
// the records and histories of its executions arns say (all of them ended, none redriven):
// the starts and outcomes, the durations' histogram, and the runs, total and longest time of
// each state from its StateEntered to its StateExited events.
func checkRollupsMatchHistories(t *testing.T, st store.Store, machine string, arns []string) {
	t.Helper()
	ctx := context.Background()
	want := store.PerformanceBucket{Durations: store.DurationHistogram{}}
	states := map[string]*store.StateTime{}
	first, last := time.Now().Add(time.Hour), time.Time{}
	for _, arn := range arns {
		rec, err := st.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})
		if err != nil {
			t.Fatal(err)
		}
		if rec.StopDate == nil {
			t.Fatalf("%s has not ended", arn)
		}
		first, last = minTime(first, rec.StartDate), maxTime(last, *rec.StopDate)
		want.Started++
		switch rec.Status {
		case sfn.StatusSucceeded:
			want.Succeeded++
		case sfn.StatusFailed:
			want.Failed++
		case sfn.StatusTimedOut:
			want.TimedOut++
		case sfn.StatusAborted:
			want.Aborted++
		}
		want.Durations[store.DurationSlot(rec.StopDate.Sub(rec.StartDate))]++
		entered := map[string][]time.Time{}
		for _, ev := range history(t, st, arn) {
			switch {
			case ev.StateEnteredEventDetails != nil:
				entered[ev.StateEnteredEventDetails.Name] = append(entered[ev.StateEnteredEventDetails.Name], ev.Timestamp)
			case ev.StateExitedEventDetails != nil:
				name := ev.StateExitedEventDetails.Name
				d := ev.Timestamp.Sub(entered[name][0])
				entered[name] = entered[name][1:]
				s := states[name]
				if s == nil {
					s = &store.StateTime{Name: name}
					states[name] = s
				}
				s.Runs++
				s.Total += d
				s.Max = max(s.Max, d)
			}
		}
	}
	l, err := st.PerformanceList(ctx, &store.PerformanceListParams{StateMachineARN: machine, Resolution: 24 * time.Hour,
		From: first.Add(-48 * time.Hour), To: last.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	got := store.PerformanceBucket{Durations: store.DurationHistogram{}}
	for _, b := range l.Buckets {
		got.Started += b.Started
		got.Succeeded += b.Succeeded
		got.Failed += b.Failed
		got.TimedOut += b.TimedOut
		got.Aborted += b.Aborted
		got.Durations.Add(b.Durations)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rollups\n got %s\nwant %s (from the records)", dump(got), dump(want))
	}
	var wantStates []store.StateTime
	for _, s := range states {
		wantStates = append(wantStates, *s)
	}
	slices.SortFunc(wantStates, func(a, b store.StateTime) int { return strings.Compare(a.Name, b.Name) })
	if !reflect.DeepEqual(l.States, wantStates) {
		t.Errorf("time per state\n got %s\nwant %s (from the histories)", dump(l.States), dump(wantStates))
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

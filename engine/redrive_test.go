package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// TestRedriveFailedExecution: a task fails the execution, the execution is redriven, the task
// runs again (and now succeeds) while the state before it is not rerun; the history goes on
// from where it stopped, with ExecutionRedriven, and the record counts the redrive.
func TestRedriveFailedExecution(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	inv := funcInvoker{"arn:aws:lambda:us-east-1:123456789012:function:f": func(ctx context.Context, req *task.Request) (any, error) {
		if calls.Add(1) == 1 {
			return nil, &task.Error{Name: "Flaky", Cause: "first call fails"}
		}
		return map[string]any{"ok": true}, nil
	}}
	e := startEngine(t, Config{Invoker: inv})
	sm := createMachine(t, e, "redrive", `{"StartAt":"Prep","States":{
		"Prep":{"Type":"Pass","Result":1,"ResultPath":"$.prep","Next":"Call"},
		"Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}`, sfn.TypeStandard)
	rec, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm, Name: "r1", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	failed := awaitEnd(t, e, rec.ARN)
	if failed.Status != sfn.StatusFailed || failed.Error != "Flaky" {
		t.Fatalf("first run: %s %s", failed.Status, failed.Error)
	}
	before := len(history(t, e.Store(), rec.ARN))

	date, err := e.RedriveExecution(context.Background(), rec.ARN)
	if err != nil {
		t.Fatalf("RedriveExecution: %v", err)
	}
	done := awaitEnd(t, e, rec.ARN)
	if done.Status != sfn.StatusSucceeded || !jsonvalue.Equal(output(t, done), map[string]any{"ok": true}) {
		t.Fatalf("after redrive: %s %v %s", done.Status, done.Output, done.Cause)
	}
	if done.RedriveCount != 1 || done.RedriveDate == nil || done.RedriveDate.Sub(date).Abs() > time.Millisecond {
		t.Fatalf("redrive count %d, date %v", done.RedriveCount, done.RedriveDate)
	}
	events := history(t, e.Store(), rec.ARN)
	if events[before].Type != sfn.EventExecutionRedriven || events[before].PreviousEventID != int64(before) {
		t.Fatalf("event %d = %s (prev %d), want ExecutionRedriven after event %d", before+1, events[before].Type, events[before].PreviousEventID, before)
	}
	for _, ev := range events[before:] {
		if ev.Type == sfn.EventPassStateEntered {
			t.Fatalf("the Pass state before the failed task ran again: %v", eventTypes(events))
		}
	}
	if calls.Load() != 2 {
		t.Fatalf("task ran %d times, want 2", calls.Load())
	}

	// A succeeded execution cannot be redriven.
	_, err = e.RedriveExecution(context.Background(), rec.ARN)
	var notRedrivable *ExecutionNotRedrivableError
	if !errors.As(err, &notRedrivable) || notRedrivable.Reason != "Execution is SUCCEEDED and cannot be redriven" {
		t.Fatalf("redrive of a succeeded execution: %v", err)
	}
}

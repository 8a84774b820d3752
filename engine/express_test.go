package engine

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func TestStartSyncExecution(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEngine(t, Config{Invoker: echoInvoker})
	express := createMachine(t, e, "fast", passChain(3), sfn.TypeExpress)
	res, err := e.StartSyncExecution(ctx, &StartExecutionParams{StateMachineARN: express, Name: "s1", Input: `{"n":1}`})
	if err != nil {
		t.Fatalf("StartSyncExecution: %v", err)
	}
	rec := res.Execution
	if rec.Status != sfn.StatusSucceeded || rec.Output == nil || *rec.Output != `{"n":4}` || rec.StopDate == nil {
		t.Fatalf("result %+v", rec)
	}
	if !strings.HasPrefix(rec.ARN, "arn:aws:states:us-east-1:123456789012:express:fast:s1:") {
		t.Fatalf("ARN %s", rec.ARN)
	}
	stored, err := e.Store().ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: rec.ARN})
	if err != nil {
		t.Fatalf("stored record: %v", err)
	}
	if stored.Status != sfn.StatusSucceeded || *stored.Output != `{"n":4}` || stored.Type != sfn.TypeExpress {
		t.Fatalf("stored %+v", stored)
	}
	if page, err := e.Store().HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: rec.ARN}); err != nil || len(page.Events) != 0 {
		t.Fatalf("express history: %v events, %v", len(page.Events), err)
	}

	standard := createMachine(t, e, "slow", passChain(1), sfn.TypeStandard)
	var unsupported *StateMachineTypeNotSupportedError
	if _, err := e.StartSyncExecution(ctx, &StartExecutionParams{StateMachineARN: standard}); !errors.As(err, &unsupported) {
		t.Fatalf("StartSyncExecution of a Standard machine: %v", err)
	}
}

func TestExpressStartExecutionRunsInBackground(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEngine(t, Config{})
	fast := createMachine(t, e, "fast", passChain(2), sfn.TypeExpress)
	rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: fast, Input: `{"n":0}`})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	awaitCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if end, err := e.AwaitExecution(awaitCtx, rec.ARN); err != nil || end.Status != sfn.StatusSucceeded || *end.Output != `{"n":2}` {
		t.Fatalf("ended %+v, %v", end, err)
	}

	slow := createMachine(t, e, "slow", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, sfn.TypeExpress)
	rec, err = e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: slow})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	if _, err := e.StopExecution(ctx, rec.ARN, "", ""); err != nil {
		t.Fatalf("StopExecution: %v", err)
	}
	if end := awaitEnd(t, e, rec.ARN); end.Status != sfn.StatusAborted {
		t.Fatalf("stopped express ended %s", end.Status)
	}
}

func TestRetentionDeletesOldExecutions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newTestClock()
	e := startEngine(t, Config{Now: clock.Now, Retention: 90 * 24 * time.Hour})
	sm := createMachine(t, e, "chain", passChain(1), sfn.TypeStandard)
	old, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	awaitEnd(t, e, old.ARN)
	clock.Advance(60 * 24 * time.Hour)
	recent, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "recent"})
	if err != nil {
		t.Fatal(err)
	}
	awaitEnd(t, e, recent.ARN)
	clock.Advance(31 * 24 * time.Hour)
	if n := e.SweepRetention(ctx); n != 1 {
		t.Fatalf("swept %d executions, want 1", n)
	}
	if _, err := e.Store().ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: old.ARN}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old execution: %v", err)
	}
	got, err := e.Store().ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: recent.ARN})
	if err != nil || !reflect.DeepEqual(got.Name, "recent") {
		t.Fatalf("recent execution: %v", err)
	}
}

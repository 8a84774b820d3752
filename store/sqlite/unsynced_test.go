package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

// An unsynced batch is visible at once, is made durable by SyncCommits, and mixes with the
// ordinary synced writes of the same file.
func TestExecutionCommitBatchUnsynced(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	now := time.Now().UTC()
	start := func(name string) *store.ExecutionCreateParams {
		return &store.ExecutionCreateParams{ARN: machine + ":" + name, StateMachineARN: machine, Name: name,
			Type: sfn.TypeStandard, Input: "{}", StartDate: now, Snapshot: []byte("s"),
			Events: []*sfn.HistoryEvent{{ID: 1, Type: sfn.EventExecutionStarted, Timestamp: now}}}
	}
	_, errs, _, err := s.ExecutionCommitBatchUnsynced(ctx, []*store.ExecutionCreateParams{start("a")}, nil)
	if err != nil || errs[0] != nil {
		t.Fatalf("unsynced create: %v %v", err, errs)
	}
	if _, err := s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: machine + ":a"}); err != nil {
		t.Fatalf("an unsynced commit is not visible: %v", err)
	}
	if _, err := s.ExecutionCreate(ctx, start("b")); err != nil { // a synced write in between
		t.Fatal(err)
	}
	_, _, errs, err = s.ExecutionCommitBatchUnsynced(ctx, nil, []*store.ExecutionStepParams{{ExecutionARN: machine + ":a",
		ExpectedVersion: 1, Update: &store.ExecutionUpdate{Status: sfn.StatusSucceeded, Output: ptr("{}"), StopDate: &now}}})
	if err != nil || errs[0] != nil {
		t.Fatalf("unsynced step: %v %v", err, errs)
	}
	if err := s.SyncCommits(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, want := range map[string]sfn.ExecutionStatus{"a": sfn.StatusSucceeded, "b": sfn.StatusRunning} {
		got, err := s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: machine + ":" + name})
		if err != nil || got.Status != want {
			t.Fatalf("execution %s after reopening: %v, %v; want %s", name, got, err, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// gatedSyncStore is a real SQLite store whose SyncCommits waits for the test's permission, so
// the test can see what the engine answers before the disk has a batch.
type gatedSyncStore struct {
	UnsyncedCommitBatcher
	store.Store
	release chan error
}

func (s *gatedSyncStore) SyncCommits(ctx context.Context) error {
	if err := <-s.release; err != nil {
		return err
	}
	return s.UnsyncedCommitBatcher.SyncCommits(ctx)
}

// A start is visible in the store as soon as its batch is written, but StartExecution answers
// only after a sync covers it; a failed sync is reported, not hidden.
func TestCommitAnswersAfterSync(t *testing.T) {
	st := openSQLite(t, "")
	gated := &gatedSyncStore{UnsyncedCommitBatcher: st.(UnsyncedCommitBatcher), Store: st, release: make(chan error)}
	e := startEngine(t, Config{Store: gated})
	sm := createMachine(t, e, "waits", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, sfn.TypeStandard)

	start := func(name string) chan error {
		answered := make(chan error, 1)
		go func() {
			_, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm, Name: name, Input: `{}`})
			answered <- err
		}()
		return answered
	}
	answered := start("first")
	arn := e.Scope().ExecutionARN("waits", "first")
	for {
		_, err := st.ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: arn})
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-answered:
		t.Fatalf("StartExecution answered (%v) before its commit was synced", err)
	case <-time.After(50 * time.Millisecond):
	}
	gated.release <- nil
	if err := <-answered; err != nil {
		t.Fatalf("start after sync: %v", err)
	}

	answered = start("second")
	gated.release <- errors.New("disk on fire")
	if err := <-answered; err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("start whose sync failed answered %v, want the sync error", err)
	}
	close(gated.release) // the engine's close may sync again
}

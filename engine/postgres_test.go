package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/pgtest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/postgres"
)

// openPostgres opens a store in a schema of its own on STEPFLOW_TEST_POSTGRES, dropped when
// the test ends; without the variable the test is skipped (failed in CI).
func openPostgres(t testing.TB) (open func() store.Store) {
	t.Helper()
	dsn := pgtest.Schema(t, "engine tests")
	return func() store.Store {
		s, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
}

// TestPostgresTwoNodes runs the multi-node scenario on PostgreSQL: two engines, one database.
func TestPostgresTwoNodes(t *testing.T) {
	t.Parallel()
	open := openPostgres(t)
	a := startEngine(t, Config{Store: open(), Invoker: crashInvoker, NodeID: "a", LeaseDuration: 300 * time.Millisecond, TimerPollInterval: 50 * time.Millisecond})
	b := startEngine(t, Config{Store: open(), Invoker: crashInvoker, NodeID: "b", LeaseDuration: 300 * time.Millisecond, TimerPollInterval: 50 * time.Millisecond})
	sm := createMachine(t, a, "crash", crashMachine, sfn.TypeStandard)
	arns := startOnTwo(t, a, b, sm, 20)
	checkCrashRuns(t, a, arns)
	checkRollupsMatchHistories(t, a.Store(), sm, arns)
}

// TestPostgresCommitWorkers runs many short executions at once through two commit workers on
// a shared store, as `stepflow server` runs on PostgreSQL: each execution ends as it would with
// one worker, with its whole history, and the performance rollups (rows every batch updates)
// add up to the histories.
func TestPostgresCommitWorkers(t *testing.T) {
	t.Parallel()
	open := openPostgres(t)
	e := startEngine(t, Config{Store: open(), Invoker: echoInvoker, NodeID: "a", SharedStore: true, CommitWorkers: 2})
	sm := createMachine(t, e, "short", shortMachine, sfn.TypeStandard)
	const n = 400
	arns := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm,
				Name: fmt.Sprintf("e%d", i), Input: fmt.Sprintf(`{"i":%d}`, i)})
			if err != nil {
				t.Error(err)
				return
			}
			arns[i] = rec.ARN
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, arn := range arns {
		rec := awaitEnd(t, e, arn)
		if rec.Status != sfn.StatusSucceeded || rec.Output == nil || *rec.Output != fmt.Sprintf(`{"i":%d}`, i) {
			t.Fatalf("%s ended %s with %v", arn, rec.Status, rec.Output)
		}
		events := history(t, e.Store(), arn)
		if len(events) != 19 || events[len(events)-1].Type != sfn.EventExecutionSucceeded {
			t.Fatalf("%s: %d events, want 19 ending in ExecutionSucceeded", arn, len(events))
		}
		for j, ev := range events {
			if ev.ID != int64(j+1) {
				t.Fatalf("%s: event %d has id %d", arn, j+1, ev.ID)
			}
		}
	}
	checkRollupsMatchHistories(t, e.Store(), sm, arns)
}

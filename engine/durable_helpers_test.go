package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
)

// testClock is a controllable clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// openSQLite opens a store in a new file of the test's temporary directory.
func openSQLite(t testing.TB, path string) store.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "stepflow.db")
	}
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// startEngine starts an engine on st; it is closed when the test ends.
func startEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = openSQLite(t, "")
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

// createMachine stores a state machine and returns its ARN.
func createMachine(t testing.TB, e *Engine, name, definition string, typ sfn.StateMachineType) string {
	t.Helper()
	arn := e.Scope().StateMachineARN(name)
	_, err := e.Store().StateMachineCreate(context.Background(), &store.StateMachineCreateParams{
		ARN: arn, Name: name, Type: typ, Definition: definition, RoleARN: e.Scope().RoleARN("test"),
		RevisionID: "r1", CreatedDate: time.Now().UTC()})
	if err != nil {
		t.Fatalf("create state machine: %v", err)
	}
	return arn
}

// awaitEnd polls the store until the execution is no longer running.
func awaitEnd(t testing.TB, e *Engine, arn string) *store.Execution {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rec, err := e.Store().ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: arn})
		if err != nil {
			t.Fatalf("get execution: %v", err)
		}
		if rec.Status != sfn.StatusRunning {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running", arn)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// history reads an execution's whole history and checks it has ids 1..n with no gap.
func history(t testing.TB, st store.Store, arn string) []*sfn.HistoryEvent {
	t.Helper()
	var all []*sfn.HistoryEvent
	next := ""
	for {
		page, err := st.HistoryEventList(context.Background(), &store.HistoryEventListParams{
			ExecutionARN: arn, MaxResults: store.MaxPageSize, NextToken: next})
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		all = append(all, page.Events...)
		if page.NextToken == "" {
			break
		}
		next = page.NextToken
	}
	for i, ev := range all {
		if ev.ID != int64(i+1) {
			t.Fatalf("history of %s: event %d has id %d (gap or duplicate)", arn, i+1, ev.ID)
		}
	}
	return all
}

func eventTypes(events []*sfn.HistoryEvent) []sfn.EventType {
	out := make([]sfn.EventType, len(events))
	for i, ev := range events {
		out[i] = ev.Type
	}
	return out
}

func output(t testing.TB, rec *store.Execution) any {
	t.Helper()
	if rec.Output == nil {
		t.Fatalf("execution %s has no output (status %s, error %q, cause %q)", rec.ARN, rec.Status, rec.Error, rec.Cause)
	}
	var v any
	if err := json.Unmarshal([]byte(*rec.Output), &v); err != nil {
		t.Fatalf("output: %v", err)
	}
	return v
}

// funcInvoker answers tasks with Go functions by resource ARN.
type funcInvoker map[string]func(ctx context.Context, req *task.Request) (any, error)

func (f funcInvoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	fn, ok := f[req.Resource.ARN]
	if !ok {
		return nil, &task.Error{Name: "NoSuchResource", Cause: req.Resource.ARN}
	}
	return fn(ctx, req)
}

// awaitEndAdvancing is awaitEnd for executions that wait on the test clock: it moves the clock
// by step between looks.
func awaitEndAdvancing(t testing.TB, e *Engine, clock *testClock, step time.Duration, arn string) *store.Execution {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rec, err := e.Store().ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: arn})
		if err != nil {
			t.Fatalf("get execution: %v", err)
		}
		if rec.Status != sfn.StatusRunning {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running", arn)
		}
		clock.Advance(step)
		e.WakeTimers()
		time.Sleep(2 * time.Millisecond)
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func openCrashStore(ctx context.Context, path string) (store.Store, error) {
	return sqlite.Open(ctx, path)
}

func interpInfo(arn string) interp.ExecutionInfo {
	return interp.ExecutionInfo{ExecutionARN: arn, ExecutionName: "x", StartTime: time.Now().UTC(), Seed: 1}
}

// unbatchedStore hides a store's ExecutionCommitBatch, so the committer's path for stores
// that cannot commit starts with steps runs against a real store.
type unbatchedStore struct{ store.Store }

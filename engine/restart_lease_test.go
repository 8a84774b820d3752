package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// An engine that starts again on its store under the node id it had runs the tasks its
// earlier life left in flight at once, with the shipped lease (not waiting 15 s for it), and
// as they were scheduled: the state's name, timeout, heartbeat and credentials come back from
// the dispatch row, and the idempotency key is the one the first run got.
func TestRestartRunsInFlightTasksAgainAsScheduled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	firstRun := make(chan *task.Request, 1)
	blocking := funcInvoker{lambdaARN + "work": func(ctx context.Context, req *task.Request) (any, error) {
		firstRun <- req
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	st := openSQLite(t, path)
	first, err := New(Config{Store: st, Invoker: blocking, NodeID: "node-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sm := createMachine(t, first, "work", `{"StartAt":"Work","States":{"Work":{"Type":"Task",
		"Resource":"`+lambdaARN+`work","TimeoutSeconds":300,"HeartbeatSeconds":120,
		"Credentials":{"RoleArn":"arn:aws:iam::123456789012:role/worker"},"End":true}}}`, sfn.TypeStandard)
	exec, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "e", Input: `{"k":"v"}`})
	if err != nil {
		t.Fatal(err)
	}
	was := <-firstRun
	if err := first.Close(ctx); err != nil { // leaves the dispatch leased to node-1 for 15 s
		t.Fatal(err)
	}
	st.Close()

	again := make(chan *task.Request, 1)
	answering := funcInvoker{lambdaARN + "work": func(ctx context.Context, req *task.Request) (any, error) {
		again <- req
		return req.Input, nil
	}}
	restarted := time.Now()
	second := startEngine(t, Config{Store: openSQLite(t, path), Invoker: answering, NodeID: "node-1"})
	var req *task.Request
	select {
	case req = <-again:
	case <-time.After(DefaultLeaseDuration / 2):
		t.Fatalf("the in-flight task did not run again within %v of the restart (lease %v)", DefaultLeaseDuration/2, DefaultLeaseDuration)
	}
	t.Logf("ran again %v after the restart", time.Since(restarted))
	if req.StateName != "Work" || req.Timeout != 300*time.Second || req.Heartbeat != 120*time.Second {
		t.Fatalf("run again as state %q timeout %v heartbeat %v; want Work 5m0s 2m0s", req.StateName, req.Timeout, req.Heartbeat)
	}
	if creds, _ := req.Credentials.(map[string]any); creds["RoleArn"] != "arn:aws:iam::123456789012:role/worker" {
		t.Fatalf("credentials %v", req.Credentials)
	}
	if req.IdempotencyKey != was.IdempotencyKey || req.IdempotencyKey == "" {
		t.Fatalf("idempotency key %q, first run had %q", req.IdempotencyKey, was.IdempotencyKey)
	}
	if rec := awaitEnd(t, second, exec.ARN); rec.Status != sfn.StatusSucceeded {
		t.Fatalf("status %s", rec.Status)
	}
}

package engine

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// TestStartLeavesOtherNodesExpressRuns: an engine starting on a shared store must not mark
// another node's running Express execution as lost; alone on its store, it does.
func TestStartLeavesOtherNodesExpressRuns(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shared.db")
	st := openSQLite(t, path)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	blocking := funcInvoker{"arn:aws:lambda:us-east-1:123456789012:function:slow": func(ctx context.Context, _ *task.Request) (any, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return map[string]any{}, nil
	}}
	a := startEngine(t, Config{Store: st, Invoker: blocking, SharedStore: true, NodeID: "a"})
	sm := createMachine(t, a, "express", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","End":true}}}`, sfn.TypeExpress)
	rec, err := a.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm, Name: "live"})
	if err != nil {
		t.Fatal(err)
	}
	status := func() sfn.ExecutionStatus {
		got, err := st.ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: rec.ARN})
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}

	b := startEngine(t, Config{Store: st, SharedStore: true, NodeID: "b"})
	<-b.Recovered()
	if s := status(); s != sfn.StatusRunning {
		t.Fatalf("after a second node started on the shared store: %s, want RUNNING", s)
	}
	c := startEngine(t, Config{Store: st, NodeID: "c"}) // believes it is alone: the record is a leftover
	<-c.Recovered()
	if s := status(); s != sfn.StatusAborted {
		t.Fatalf("after an engine alone on the store started: %s, want ABORTED", s)
	}
}

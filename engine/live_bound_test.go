package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

// Executions that start and then only wait are never driven: the start itself must keep
// the number held in memory within MaxLiveExecutions, and an evicted one still answers its
// events from its snapshot.
func TestStartsKeepLiveExecutionsBounded(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{MaxLiveExecutions: 5})
	sm := createMachine(t, e, "hold", `{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":2592000,"End":true}}}`, sfn.TypeStandard)
	ctx := context.Background()
	var arns []string
	for i := 0; i < 40; i++ {
		rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: fmt.Sprintf("hold-%d", i)})
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		arns = append(arns, rec.ARN)
		e.mu.Lock()
		held := len(e.live)
		e.mu.Unlock()
		if held > 5 {
			t.Fatalf("after %d starts %d executions are held in memory, want at most 5", i+1, held)
		}
	}
	if _, err := e.StopExecution(ctx, arns[0], "Test", "evicted"); err != nil {
		t.Fatalf("stop the first (evicted) execution: %v", err)
	}
	if rec := awaitEnd(t, e, arns[0]); rec.Status != sfn.StatusAborted {
		t.Fatalf("first execution is %s, want ABORTED", rec.Status)
	}
}

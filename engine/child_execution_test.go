package engine

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// TestChildExecutionsSurviveRestart runs a Distributed Map whose children wait, restarts the
// engine while one waits and others have yet to start, and checks that every child's stored
// history is whole (ids 1..n, no gap, no repeat), that each ended SUCCEEDED, and that the
// children are neither executions of the machine nor events of the parent's history.
func TestChildExecutionsSurviveRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "children.db")
	clock := newTestClock()
	st := openSQLite(t, path)
	first := startEngine(t, Config{Store: st, Now: clock.Now})
	machine := createMachine(t, first, "waiting-kids", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W",
		"States":{"W":{"Type":"Wait","Seconds":60,"End":true}}},"End":true}}}`, sfn.TypeStandard)
	exec, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: machine, Input: `[1,2,3]`})
	if err != nil {
		t.Fatal(err)
	}
	var runARN string
	for _, ev := range history(t, st, exec.ARN) {
		if ev.Type == sfn.EventMapRunStarted {
			runARN = ev.MapRunStartedEventDetails.MapRunArn
		}
	}
	running, err := st.ChildExecutionList(ctx, &store.ChildExecutionListParams{MapRunARN: runARN})
	if err != nil || len(running.Children) != 1 || running.Children[0].Status != sfn.StatusRunning {
		t.Fatalf("children before the restart %+v %v", running, err)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}

	second := startEngine(t, Config{Store: st, Now: clock.Now})
	if end := awaitEndAdvancing(t, second, clock, 20*time.Second, exec.ARN); end.Status != sfn.StatusSucceeded {
		t.Fatalf("parent ended %s", end.Status)
	}
	children, err := st.ChildExecutionList(ctx, &store.ChildExecutionListParams{MapRunARN: runARN})
	if err != nil || len(children.Children) != 3 {
		t.Fatalf("children %+v %v", children, err)
	}
	want := []sfn.EventType{sfn.EventExecutionStarted, sfn.EventWaitStateEntered, sfn.EventWaitStateExited, sfn.EventExecutionSucceeded}
	for _, c := range children.Children {
		if c.Status != sfn.StatusSucceeded || c.ParentARN != exec.ARN || c.StopDate == nil {
			t.Fatalf("child %+v", c)
		}
		page, err := st.ChildHistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: c.ARN, MaxResults: store.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range page.Events {
			if ev.ID != int64(i+1) {
				t.Fatalf("child %d: event %d has id %d", c.Index, i, ev.ID)
			}
		}
		if got := eventTypes(page.Events); !reflect.DeepEqual(got, want) {
			t.Fatalf("child %d history %v", c.Index, got)
		}
	}
	for _, ev := range history(t, st, exec.ARN) {
		if ev.Type == sfn.EventWaitStateEntered {
			t.Fatal("the parent's history holds a child's event")
		}
	}
	listed, err := st.ExecutionList(ctx, &store.ExecutionListParams{StateMachineARN: machine})
	if err != nil || len(listed.Executions) != 1 {
		t.Fatalf("executions of the machine %+v %v", listed, err)
	}
}

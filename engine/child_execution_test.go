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

// TestRunawayChildFailsAtItsHistoryLimit: a Distributed Map child that loops fills its own
// 25,000 events and fails with States.Runtime; with one failure tolerated the parent succeeds,
// its own history short. The child's whole history is stored and reads back in pages.
func TestRunawayChildFailsAtItsHistoryLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEngine(t, Config{})
	sm := createMachine(t, e, "loop-kids", `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Loop?","States":{
			"Loop?":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":0,"Next":"A"}],"Default":"Done"},
			"A":{"Type":"Pass","Next":"B"},
			"B":{"Type":"Choice","Choices":[{"Variable":"$.never","IsPresent":true,"Next":"Done"}],"Default":"A"},
			"Done":{"Type":"Succeed"}}},"End":true}}}`, sfn.TypeStandard)
	rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Input: `[0, 1]`})
	if err != nil {
		t.Fatal(err)
	}
	end := awaitEnd(t, e, rec.ARN)
	if end.Status != sfn.StatusSucceeded {
		t.Fatalf("parent %s %s %s", end.Status, end.Error, end.Cause)
	}
	parent := history(t, e.Store(), rec.ARN)
	if len(parent) > 20 {
		t.Fatalf("the parent's history has %d events", len(parent))
	}
	var runARN string
	for _, ev := range parent {
		if ev.Type == sfn.EventMapRunStarted {
			runARN = ev.MapRunStartedEventDetails.MapRunArn
		}
	}
	failed, err := e.Store().ChildExecutionList(ctx, &store.ChildExecutionListParams{MapRunARN: runARN, Status: sfn.StatusFailed})
	if err != nil || len(failed.Children) != 1 {
		t.Fatalf("failed children %+v %v", failed, err)
	}
	child := failed.Children[0]
	if child.Index != 0 || child.Error != sfn.ErrorRuntime || child.Cause != historyLimitCause {
		t.Fatalf("looping child %+v", child)
	}
	var count int64
	params := &store.HistoryEventListParams{ExecutionARN: child.ARN, MaxResults: store.MaxPageSize}
	var last *sfn.HistoryEvent
	for {
		page, err := e.Store().ChildHistoryEventList(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Events {
			count++
			if ev.ID != count {
				t.Fatalf("event %d has id %d", count, ev.ID)
			}
			last = ev
		}
		if page.NextToken == "" {
			break
		}
		params.NextToken = page.NextToken
	}
	if count != sfn.HistoryEventLimit || last.Type != sfn.EventExecutionFailed || last.ExecutionFailedEventDetails.Cause != historyLimitCause {
		t.Fatalf("%d events, the last %+v", count, last)
	}
}

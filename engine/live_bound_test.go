package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

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

// A timer due beyond timerHoldAhead is left to its row: memory holds nothing for it, and
// the store's poll fires it when it comes due.
func TestFarTimersWaitInTheStoreAndFireWhenDue(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	e := startEngine(t, Config{Now: clock.Now})
	sm := createMachine(t, e, "later", `{"StartAt":"Later","States":{"Later":{"Type":"Wait","Seconds":3600,"Next":"Soon"},
		"Soon":{"Type":"Wait","Seconds":5,"End":true}}}`, sfn.TypeStandard)
	ctx := context.Background()
	rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "later"})
	if err != nil {
		t.Fatal(err)
	}
	e.timers.mu.Lock()
	held := e.timers.due.Len()
	e.timers.mu.Unlock()
	if held != 0 {
		t.Fatalf("%d timers held in memory for a Wait of an hour, want 0", held)
	}
	clock.Advance(3600 * time.Second)
	e.WakeTimers()
	// The hour's timer fired from its row; the 5 s one that follows is held in memory.
	// (It is armed after its step commits: wait for it rather than for the history.)
	deadline := time.Now().Add(20 * time.Second)
	for {
		e.timers.mu.Lock()
		held = e.timers.due.Len()
		e.timers.mu.Unlock()
		if held == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d timers held in memory for a Wait of 5 s, want 1 (history: %d events)", held, len(history(t, e.Store(), rec.ARN)))
		}
		time.Sleep(time.Millisecond)
	}
	clock.Advance(5 * time.Second)
	e.WakeTimers()
	if got := awaitEnd(t, e, rec.ARN); got.Status != sfn.StatusSucceeded {
		t.Fatalf("execution is %s, want SUCCEEDED", got.Status)
	}
}

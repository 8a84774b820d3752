package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// runawayLoop never waits for anything and never ends by itself (issue #20).
const runawayLoop = `{"StartAt":"A","States":{
  "A":{"Type":"Pass","Next":"B"},
  "B":{"Type":"Choice","Choices":[{"Variable":"$.never","IsPresent":true,"Next":"E"}],"Default":"A"},
  "E":{"Type":"Succeed"}}}`

const historyLimitCause = "The execution reached the maximum number of history events (25000)."

// checkHistoryLimitFailure checks that an execution ended as AWS ends one whose history
// filled up: FAILED, States.Runtime, event 25,000 its ExecutionFailed.
func checkHistoryLimitFailure(t *testing.T, st store.Store, rec *store.Execution) {
	t.Helper()
	if rec.Status != sfn.StatusFailed || rec.Error != sfn.ErrorRuntime || rec.Cause != historyLimitCause {
		t.Fatalf("ended %s %q %q, want FAILED States.Runtime %q", rec.Status, rec.Error, rec.Cause, historyLimitCause)
	}
	events := history(t, st, rec.ARN)
	if len(events) != sfn.HistoryEventLimit {
		t.Fatalf("%d events, want %d", len(events), sfn.HistoryEventLimit)
	}
	last := events[len(events)-1]
	if last.Type != sfn.EventExecutionFailed || last.PreviousEventID != 24999 || last.ExecutionFailedEventDetails.Cause != historyLimitCause {
		t.Fatalf("last event %+v", last)
	}
}

func TestRunawayExecutionFailsAtHistoryLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEngine(t, Config{})
	sm := createMachine(t, e, "loop", runawayLoop, sfn.TypeStandard)
	rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	// StartExecution answered after the first bounded step, not at the end of the loop.
	if rec.Status != sfn.StatusRunning {
		t.Fatalf("StartExecution answered %s, want RUNNING", rec.Status)
	}
	checkHistoryLimitFailure(t, e.Store(), awaitEnd(t, e, rec.ARN))
}

func TestStopRunawayExecution(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang fails, not blocks
	defer cancel()
	e := startEngine(t, Config{})
	sm := createMachine(t, e, "loop", runawayLoop, sfn.TypeStandard)
	// The loop reaches the history limit in a few steps of a few milliseconds; the stop is
	// sent as soon as StartExecution answers and lands between two of them, unless this
	// goroutine is kept off the CPU for that long. Such an attempt is tried again.
	for attempt := 1; attempt <= 5; attempt++ {
		rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
		if err != nil {
			t.Fatalf("StartExecution: %v", err)
		}
		stopped, err := e.StopExecution(ctx, rec.ARN, "Halt", "runaway")
		if err != nil {
			t.Fatalf("StopExecution: %v", err)
		}
		end := awaitEnd(t, e, rec.ARN)
		if end.Status == sfn.StatusFailed {
			t.Logf("attempt %d: the history filled up before the stop", attempt)
			checkHistoryLimitFailure(t, e.Store(), end)
			continue
		}
		if end.Status != sfn.StatusAborted || end.Error != "Halt" || !end.StopDate.Equal(stopped) {
			t.Fatalf("ended %s %q at %v, want ABORTED at %v", end.Status, end.Error, end.StopDate, stopped)
		}
		events := history(t, e.Store(), rec.ARN)
		if last := events[len(events)-1]; last.Type != sfn.EventExecutionAborted || len(events) >= sfn.HistoryEventLimit {
			t.Fatalf("%d events, the last %s", len(events), last.Type)
		}
		return
	}
	t.Fatal("no stop got in before the history limit")
}

func TestStopRunawayExpressExecution(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := startEngine(t, Config{})
	sm := createMachine(t, e, "loop", runawayLoop, sfn.TypeExpress)
	rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	// Express executions have no history limit: the loop runs until stopped.
	if _, err := e.StopExecution(ctx, rec.ARN, "", ""); err != nil {
		t.Fatalf("StopExecution: %v", err)
	}
	end, err := e.AwaitExecution(ctx, rec.ARN)
	if err != nil || end.Status != sfn.StatusAborted {
		t.Fatalf("ended %+v, %v", end, err)
	}
}

// TestRunawayExecutionResumedAfterRestart is the crash loop of issue #20: a loop behind a
// one-second Wait, running when the process stops, resumes at the next start; it must fail
// at the history limit there, not run until memory runs out.
func TestRunawayExecutionResumedAfterRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	clock := newTestClock()
	definition := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"A"},` + runawayLoop[len(`{"StartAt":"A","States":{`):]

	first, err := New(Config{Store: openSQLite(t, path), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sm := createMachine(t, first, "loop", definition, sfn.TypeStandard)
	rec, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := first.Close(closeCtx); err != nil {
		t.Fatalf("Close: %v", err)
	}

	clock.Advance(2 * time.Second) // the Wait is over when the next process starts
	second := startEngine(t, Config{Store: openSQLite(t, path), Now: clock.Now})
	checkHistoryLimitFailure(t, second.Store(), awaitEnd(t, second, rec.ARN))
}

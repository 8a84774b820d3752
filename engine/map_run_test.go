package engine

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
)

// TestUpdateMapRunSurvivesRestart raises a running Distributed Map's concurrency, then lowers
// it (a step with no events or commands), restarts the engine on the same file and checks that
// the new engine runs the map with the settings and iterations the updates committed.
func TestUpdateMapRunSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "maprun.db")
	clock := newTestClock()
	st := openSQLite(t, path)
	first := startEngine(t, Config{Store: st, Now: clock.Now})
	machine := createMachine(t, first, "slow-map", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W",
		"States":{"W":{"Type":"Wait","Seconds":60,"End":true}}},"End":true}}}`, sfn.TypeStandard)
	exec, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: machine, Input: `[1,2,3,4]`})
	if err != nil {
		t.Fatal(err)
	}
	var runARN string
	for _, ev := range history(t, st, exec.ARN) {
		if ev.Type == sfn.EventMapRunStarted {
			runARN = ev.MapRunStartedEventDetails.MapRunArn
		}
	}
	describe := func(e *Engine) interp.MapRunSummary {
		t.Helper()
		run, ok, err := e.MapRun(ctx, exec.ARN, runARN)
		if err != nil || !ok {
			t.Fatalf("MapRun %s: %v %v", runARN, ok, err)
		}
		return run
	}
	if run := describe(first); run.Executions.Running != 1 || run.Executions.Pending != 3 {
		t.Fatalf("before the update %+v", run)
	}
	three, two := int64(3), int64(2)
	if err := first.UpdateMapRun(ctx, &UpdateMapRunParams{ExecutionARN: exec.ARN, MapRunARN: runARN, MaxConcurrency: &three}); err != nil {
		t.Fatal(err)
	}
	if err := first.UpdateMapRun(ctx, &UpdateMapRunParams{ExecutionARN: exec.ARN, MapRunARN: runARN, MaxConcurrency: &two}); err != nil {
		t.Fatal(err)
	}
	want := interp.MapRunCounts{Pending: 1, Running: 3, Total: 4}
	if run := describe(first); run.MaxConcurrency != 2 || run.Executions != want {
		t.Fatalf("after the updates %+v", run)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}

	second := startEngine(t, Config{Store: st, Now: clock.Now})
	if run := describe(second); run.MaxConcurrency != 2 || run.Executions != want {
		t.Fatalf("after the restart %+v", run)
	}
	end := awaitEndAdvancing(t, second, clock, 20*time.Second, exec.ARN)
	if end.Status != sfn.StatusSucceeded || *end.Output != `[1,2,3,4]` {
		t.Fatalf("ended %s with %v", end.Status, end.Output)
	}
	run := describe(second)
	if run.Status != interp.MapRunSucceeded || run.MaxConcurrency != 2 || run.Executions != (interp.MapRunCounts{Succeeded: 4, Total: 4}) {
		t.Fatalf("ended run %+v", run)
	}
	err = second.UpdateMapRun(ctx, &UpdateMapRunParams{ExecutionARN: exec.ARN, MapRunARN: runARN, MaxConcurrency: &three})
	var notRunning *MapRunNotRunningError
	if !errors.As(err, &notRunning) {
		t.Fatalf("UpdateMapRun after the end: %v", err)
	}
}

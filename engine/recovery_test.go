package engine

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

// TestRestartResumes closes an engine with executions waiting on a timer and on a task token
// and checks that a new engine on the same file resumes both.
func TestRestartResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "restart.db")
	clock := newTestClock()
	st := openSQLite(t, path)
	first := startEngine(t, Config{Store: st, Now: clock.Now})
	wait := createMachine(t, first, "wait", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},
		"P":{"Type":"Pass","Result":"woke","End":true}}}`, sfn.TypeStandard)
	waiting, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: wait})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: wait}); err != ErrClosed {
		t.Fatalf("StartExecution after Close: %v", err)
	}

	second := startEngine(t, Config{Store: st, Now: clock.Now})
	end := awaitEndAdvancing(t, second, clock, 10*time.Second, waiting.ARN)
	if end.Status != sfn.StatusSucceeded || *end.Output != `"woke"` {
		t.Fatalf("ended %s with %v", end.Status, end.Output)
	}
	want := []sfn.EventType{sfn.EventExecutionStarted, sfn.EventWaitStateEntered, sfn.EventWaitStateExited,
		sfn.EventPassStateEntered, sfn.EventPassStateExited, sfn.EventExecutionSucceeded}
	if got := eventTypes(history(t, st, waiting.ARN)); !reflect.DeepEqual(got, want) {
		t.Fatalf("history %v", got)
	}
}

// TestRecoveryFinishesRecordedEnd covers a crash, in a Stepflow before schema 12, between the
// step that ends an execution (already in its snapshot) and the status update: the first Start
// after the upgrade records the end.
func TestRecoveryFinishesRecordedEnd(t *testing.T) {
	t.Parallel()
	end := runSeeded(t, 3, `{"n":0}`, map[string]any{"n": 0.0}, func(target *target, ex *interp.Execution) []byte {
		snapshot, err := encodeSnapshot(target.programRef(), ex)
		if err != nil {
			t.Fatal(err)
		}
		return snapshot
	})
	if end.Status != sfn.StatusSucceeded || *end.Output != `{"n":3}` {
		t.Fatalf("ended %s with %v", end.Status, end.Output)
	}
}

// runSeeded writes an execution of a chain of n Pass states as the store holds it after its
// first step (started on input, the row's input rowInput, the snapshot made by snapshotOf),
// upgrades the store as a store written before schema 12 would be (the migration lists the
// running executions to check), then starts an engine on it and returns how the execution
// ended.
func runSeeded(t *testing.T, n int, rowInput string, input map[string]any, snapshotOf func(*target, *interp.Execution) []byte) *store.Execution {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	sm := createMachine(t, e, "chain", passChain(n), sfn.TypeStandard)
	target, err := e.resolveTarget(ctx, sm)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := e.program(target.Definition, target.Type, true)
	if err != nil {
		t.Fatal(err)
	}
	arn := e.Scope().ExecutionARN("chain", "seeded")
	ex, step := prog.Start(interpInfo(arn), input)
	events := make([]*sfn.HistoryEvent, len(step.Events))
	for i := range step.Events {
		events[i] = &step.Events[i]
	}
	_, err = st.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: arn, StateMachineARN: sm, Name: "seeded",
		Type: sfn.TypeStandard, Input: rowInput, StartDate: time.Now(), Snapshot: snapshotOf(target, ex), Events: events})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE recovery_check; DROP INDEX execution_running_express; DELETE FROM stepflow_migration WHERE version = 12`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	upgraded := openSQLite(t, path) // applies schema 12 again
	e = startEngine(t, Config{Store: upgraded})
	end := awaitEnd(t, e, arn)
	<-e.Recovered()
	if left, err := upgraded.RecoveryCheckList(ctx, "", 0); err != nil || len(left) != 0 {
		t.Fatalf("executions left to check after recovery: %v, %v", left, err)
	}
	return end
}

// TestRecoveryGoesOnPastOneThatCannotLoad: of the executions an upgrade listed, one whose
// snapshot cannot be restored stays listed for the next start, and the pass records the ends
// of the others (one that sorts after it included).
func TestRecoveryGoesOnPastOneThatCannotLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	sm := createMachine(t, e, "chain", passChain(3), sfn.TypeStandard)
	target, err := e.resolveTarget(ctx, sm)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := e.program(target.Definition, target.Type, true)
	if err != nil {
		t.Fatal(err)
	}
	seed := func(name string, snapshot func([]byte) []byte) string {
		arn := e.Scope().ExecutionARN("chain", name)
		ex, step := prog.Start(interpInfo(arn), map[string]any{"n": 0.0})
		events := make([]*sfn.HistoryEvent, len(step.Events))
		for i := range step.Events {
			events[i] = &step.Events[i]
		}
		snap, err := encodeSnapshot(target.programRef(), ex)
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: arn, StateMachineARN: sm, Name: name,
			Type: sfn.TypeStandard, Input: `{"n":0}`, StartDate: time.Now(), Snapshot: snapshot(snap), Events: events})
		if err != nil {
			t.Fatal(err)
		}
		return arn
	}
	broken := seed("a-broken", func([]byte) []byte { return []byte("not a snapshot") })
	ended := seed("b-ended", func(s []byte) []byte { return s })
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE recovery_check; DROP INDEX execution_running_express; DELETE FROM stepflow_migration WHERE version = 12`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	upgraded := openSQLite(t, path)
	e = startEngine(t, Config{Store: upgraded})
	<-e.Recovered()
	rec, err := upgraded.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: ended})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != sfn.StatusSucceeded {
		t.Fatalf("%s after recovery: %s, want SUCCEEDED", ended, rec.Status)
	}
	left, err := upgraded.RecoveryCheckList(ctx, "", 0)
	if err != nil || len(left) != 1 || left[0] != broken {
		t.Fatalf("left to check: %v, %v; want only %s", left, err, broken)
	}
}

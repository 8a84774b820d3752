package engine

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// Snapshots leave the execution's input out (the store keeps it beside them); a restarted
// engine puts it back, so $$.Execution.Input and the states still see it.
func TestSnapshotLeavesOutTheInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "input.db")
	clock := newTestClock()
	st := openSQLite(t, path)
	first := startEngine(t, Config{Store: st, Now: clock.Now})
	sm := createMachine(t, first, "echo", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},
		"P":{"Type":"Pass","Parameters":{"input.$":"$$.Execution.Input","state.$":"$"},"End":true}}}`, sfn.TypeStandard)
	input := `{"big":"` + strings.Repeat("x", 10000) + `"}`
	rec, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "e", Input: input})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := st.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: rec.ARN})
	if err != nil {
		t.Fatal(err)
	}
	// Twice, as the Wait state's input and effective input; not a third time as the execution's.
	if n := strings.Count(string(snap.Snapshot), strings.Repeat("x", 10000)); n != 2 {
		t.Fatalf("the snapshot holds the input %d times, want 2", n)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	second := startEngine(t, Config{Store: st, Now: clock.Now})
	end := awaitEndAdvancing(t, second, clock, 10*time.Second, rec.ARN)
	want := `{"input":` + input + `,"state":` + input + `}`
	if end.Status != sfn.StatusSucceeded || *end.Output != want {
		t.Fatalf("ended %s with %.80s..., want the input twice", end.Status, *end.Output)
	}
}

// A snapshot written before inputs were left out (SFS2) carries the input and restores with it.
func TestSnapshotWithInputStillRestores(t *testing.T) {
	t.Parallel()
	// The row's input differs from the snapshot's: an SFS2 snapshot must use its own.
	end := runSeeded(t, 2, `{"n":0}`, map[string]any{"n": 5.0}, func(target *target, ex *interp.Execution) []byte {
		state, err := ex.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		ref := target.programRef()
		return []byte(snapshotMagicWithInput + string(ref.Type) + "\n" + ref.Source + "\n" + ref.Hash + "\n" +
			strconv.Itoa(len(target.Definition)) + "\n" + target.Definition + string(state))
	})
	if end.Status != sfn.StatusSucceeded || *end.Output != `{"n":7}` {
		t.Fatalf("ended %s with %v, want {\"n\":7}", end.Status, *end.Output)
	}
}

package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// An execution keeps the definition it started with, as on AWS, even when its state machine is
// updated (no version keeps the old text) and the process restarts after several steps: the
// definition is stored once by hash, and its snapshots name it.
func TestRestartKeepsTheDefinitionAnExecutionStartedWith(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "definition.db")
	clock := newTestClock()
	st := openSQLite(t, path)
	first := startEngine(t, Config{Store: st, Now: clock.Now})
	definition := func(result string) string {
		return `{"StartAt":"W1","States":{"W1":{"Type":"Wait","Seconds":10,"Next":"W2"},
			"W2":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","Result":"` + result + `","End":true}}}`
	}
	sm := createMachine(t, first, "evolving", definition("v1"), sfn.TypeStandard)
	rec, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	// Past W1: a second step committed, its snapshot without the definition's text.
	clock.Advance(11 * time.Second)
	first.WakeTimers()
	for len(history(t, st, rec.ARN)) < 4 {
		time.Sleep(time.Millisecond)
	}
	v2 := definition("v2")
	if _, err := st.StateMachineUpdate(ctx, &store.StateMachineUpdateParams{ARN: sm, Definition: &v2, RevisionID: "r2",
		UpdatedDate: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}

	second := startEngine(t, Config{Store: st, Now: clock.Now})
	end := awaitEndAdvancing(t, second, clock, 10*time.Second, rec.ARN)
	if end.Status != sfn.StatusSucceeded || *end.Output != `"v1"` {
		t.Fatalf("ended %s with %v, want SUCCEEDED with the definition it started with (\"v1\")", end.Status, end.Output)
	}
}

package engine

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

const waitThenResult = `{"StartAt":"W1","States":{"W1":{"Type":"Wait","Seconds":10,"Next":"W2"},
	"W2":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","Result":"%s","End":true}}}`

// TestVersionsAliasesAndUpdates starts executions through a version and an alias, updates the
// state machine while they wait, restarts the engine, and checks each ends with the
// definition it started with.
func TestVersionsAliasesAndUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newTestClock()
	path := filepath.Join(t.TempDir(), "versions.db")
	st := openSQLite(t, path)
	first := startEngine(t, Config{Store: st, Now: clock.Now})
	sm := createMachine(t, first, "m", sprintf(waitThenResult, "v1"), sfn.TypeStandard)
	v1, err := st.StateMachineVersionCreate(ctx, &store.StateMachineVersionCreateParams{StateMachineARN: sm, CreatedDate: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	alias := sm + ":live"
	if _, err := st.StateMachineAliasCreate(ctx, &store.StateMachineAliasCreateParams{ARN: alias, StateMachineARN: sm, Name: "live",
		Routing: []store.RoutingEntry{{StateMachineVersionARN: v1.ARN, Weight: 100}}, CreatedDate: time.Now()}); err != nil {
		t.Fatal(err)
	}
	byVersion, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: v1.ARN})
	if err != nil {
		t.Fatal(err)
	}
	byAlias, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: alias})
	if err != nil {
		t.Fatal(err)
	}
	if byVersion.StateMachineVersionARN != v1.ARN || byAlias.StateMachineAliasARN != alias || byAlias.StateMachineVersionARN != v1.ARN {
		t.Fatalf("records: version %q; alias %q via %q", byVersion.StateMachineVersionARN, byAlias.StateMachineAliasARN, byAlias.StateMachineVersionARN)
	}
	unversioned, err := first.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatal(err)
	}
	// W1 ends (its step's snapshot no longer carries the definition), then the machine
	// changes and the process restarts.
	clock.Advance(30 * time.Second)
	first.WakeTimers()
	for _, arn := range []string{byVersion.ARN, byAlias.ARN, unversioned.ARN} {
		for len(history(t, st, arn)) < 4 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	v2 := sprintf(waitThenResult, "v2")
	if _, err := st.StateMachineUpdate(ctx, &store.StateMachineUpdateParams{ARN: sm, Definition: &v2, RevisionID: "r2", UpdatedDate: time.Now()}); err != nil {
		t.Fatal(err)
	}
	second := startEngine(t, Config{Store: st, Now: clock.Now})
	for _, c := range []struct {
		arn, want string
	}{{byVersion.ARN, `"v1"`}, {byAlias.ARN, `"v1"`}, {unversioned.ARN, `"v1"`}} {
		end := awaitEndAdvancing(t, second, clock, 10*time.Second, c.arn)
		if end.Status != sfn.StatusSucceeded || *end.Output != c.want {
			t.Fatalf("%s ended %s with %v, want %s", c.arn, end.Status, end.Output, c.want)
		}
	}
	fresh, err := second.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatal(err)
	}
	if end := awaitEndAdvancing(t, second, clock, 10*time.Second, fresh.ARN); *end.Output != `"v2"` {
		t.Fatalf("new execution output %s, want the updated definition's", *end.Output)
	}

	var badARN *InvalidARNError
	if _, err := second.StartExecution(ctx, &StartExecutionParams{StateMachineARN: "arn:aws:states:us-east-1:1:activity:x"}); !errors.As(err, &badARN) {
		t.Fatalf("start with an activity ARN: %v", err)
	}
	if _, err := second.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm + ":7"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("start of a missing version: %v", err)
	}
}

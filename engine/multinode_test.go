package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// TestTwoEnginesShareAStore runs executions on two engines over one database, as two nodes
// would: each steals the other's timers and dispatches, their steps race, and version
// conflicts must leave every history complete and without duplicates.
func TestTwoEnginesShareAStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	cfg := func(node string) Config {
		return Config{Store: openSQLite(t, path), Invoker: crashInvoker, NodeID: node,
			LeaseDuration: 300 * time.Millisecond, TimerPollInterval: 50 * time.Millisecond}
	}
	a := startEngine(t, cfg("a"))
	b := startEngine(t, cfg("b"))
	sm := createMachine(t, a, "crash", crashMachine, sfn.TypeStandard)
	const n = 20
	arns := make([]string, n)
	for i := range arns {
		starter := a
		if i%2 == 1 {
			starter = b
		}
		rec, err := starter.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: fmt.Sprintf("e-%d", i),
			Input: fmt.Sprintf(`{"n":%d,"wait":%d}`, i, i%2)})
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		arns[i] = rec.ARN
	}
	want := referenceHistory(t)
	for i, arn := range arns {
		rec := awaitEnd(t, a, arn)
		if got := output(t, rec); !reflect.DeepEqual(got, map[string]any{"n": float64(i + 3), "wait": float64(i % 2)}) {
			t.Fatalf("execution %d output %v", i, got)
		}
		got := eventTypes(history(t, a.Store(), arn))
		slices.Sort(got)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("execution %d history (sorted types)\n got %v\nwant %v", i, got, want)
		}
	}
}

// TestEvictedExecutionsReload keeps at most one execution in memory: the others are dropped
// between steps and reloaded from their snapshots, and must end exactly as without eviction.
func TestEvictedExecutionsReload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEngine(t, Config{Invoker: crashInvoker, MaxLiveExecutions: 1})
	sm := createMachine(t, e, "crash", crashMachine, sfn.TypeStandard)
	want := referenceHistory(t)
	arns := make([]string, 10)
	for i := range arns {
		rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Input: fmt.Sprintf(`{"n":%d,"wait":%d}`, i, i%2)})
		if err != nil {
			t.Fatal(err)
		}
		arns[i] = rec.ARN
	}
	for i, arn := range arns {
		rec := awaitEnd(t, e, arn)
		if got := output(t, rec); !reflect.DeepEqual(got, map[string]any{"n": float64(i + 3), "wait": float64(i % 2)}) {
			t.Fatalf("execution %d output %v", i, got)
		}
		got := eventTypes(history(t, e.Store(), arn))
		slices.Sort(got)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("execution %d history\n got %v\nwant %v", i, got, want)
		}
	}
}

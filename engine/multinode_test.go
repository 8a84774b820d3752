package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// TestTwoEnginesShareAStore runs executions on two engines over one database, as two nodes
// would: each steals the other's timers and dispatches, their steps race, and version
// conflicts must leave every history complete and without duplicates.
func TestTwoEnginesShareAStore(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shared.db")
	cfg := func(node string) Config {
		return Config{Store: openSQLite(t, path), Invoker: crashInvoker, NodeID: node,
			LeaseDuration: 300 * time.Millisecond, TimerPollInterval: 50 * time.Millisecond}
	}
	a := startEngine(t, cfg("a"))
	b := startEngine(t, cfg("b"))
	sm := createMachine(t, a, "crash", crashMachine, sfn.TypeStandard)
	arns := startOnTwo(t, a, b, sm, 20)
	checkCrashRuns(t, a, arns)
	checkRollupsMatchHistories(t, a.Store(), sm, arns)
}

// startOnTwo starts n executions of the crash machine sm, alternating between engines a and b,
// execution i with input {"n":i,"wait":i%2}.
func startOnTwo(t *testing.T, a, b *Engine, sm string, n int) []string {
	t.Helper()
	arns := make([]string, n)
	for i := range arns {
		starter := a
		if i%2 == 1 {
			starter = b
		}
		rec, err := starter.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm,
			Name: fmt.Sprintf("e-%d", i), Input: fmt.Sprintf(`{"n":%d,"wait":%d}`, i, i%2)})
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		arns[i] = rec.ARN
	}
	return arns
}

// checkCrashRuns waits for executions of the crash machine, execution i started with input
// {"n":i,"wait":i%2}, and checks each one's output and that its history holds the event
// types of a reference run.
func checkCrashRuns(t *testing.T, e *Engine, arns []string) {
	t.Helper()
	want := referenceHistory(t)
	for i, arn := range arns {
		rec := awaitEnd(t, e, arn)
		if got := output(t, rec); !reflect.DeepEqual(got, map[string]any{"n": float64(i + 3), "wait": float64(i % 2)}) {
			t.Fatalf("execution %d output %v", i, got)
		}
		got := eventTypes(history(t, e.Store(), arn))
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
	e := startEngine(t, Config{Invoker: crashInvoker, MaxLiveExecutions: 1})
	sm := createMachine(t, e, "crash", crashMachine, sfn.TypeStandard)
	checkCrashRuns(t, e, startOnTwo(t, e, e, sm, 10))
}

// TestTwoEnginesRunATaskOnce: a task running on one node is leased to it from the moment its
// step commits, so another node's reaper does not run it a second time meanwhile.
func TestTwoEnginesRunATaskOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	var calls atomic.Int32
	slow := funcInvoker{"arn:aws:lambda:us-east-1:123456789012:function:slow": func(ctx context.Context, _ *task.Request) (any, error) {
		calls.Add(1)
		select {
		case <-time.After(2500 * time.Millisecond): // longer than the other node's reaper interval (2 s)
		case <-ctx.Done():
		}
		return map[string]any{"ok": true}, nil
	}}
	cfg := func(node string) Config {
		return Config{Store: openSQLite(t, path), Invoker: slow, NodeID: node, LeaseDuration: 6 * time.Second}
	}
	b := startEngine(t, cfg("b")) // first, so its reaper ticks before a's own
	time.Sleep(100 * time.Millisecond)
	a := startEngine(t, cfg("a"))
	sm := createMachine(t, a, "slow", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","End":true}}}`, sfn.TypeStandard)
	const n = 4
	arns := make([]string, n)
	for i := range arns {
		rec, err := a.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: fmt.Sprintf("s-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		arns[i] = rec.ARN
	}
	for i, arn := range arns {
		if got := awaitEnd(t, b, arn); got.Status != sfn.StatusSucceeded {
			t.Fatalf("execution %d: %s", i, got.Status)
		}
	}
	if got := calls.Load(); got != n {
		t.Fatalf("%d task invocations for %d executions: another node ran tasks that were running", got, n)
	}
}

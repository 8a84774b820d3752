package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// A task that runs longer than a lease stays with the node running it: each reaper pass
// renews the leases of the node's running tasks, so another node's reaper does not take the
// task and run it a second time. Once the node stops renewing, the other node takes it.
func TestRunningTaskLeaseIsRenewed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	clock := newTestClock()
	started := make(chan string, 4)
	release := make(chan struct{})
	invoker := func(node string) funcInvoker {
		return funcInvoker{lambdaARN + "slow": func(ctx context.Context, req *task.Request) (any, error) {
			started <- node
			select {
			case <-release:
				return req.Input, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}}
	}
	cfg := func(node string) Config {
		return Config{Store: openSQLite(t, path), Invoker: invoker(node), NodeID: node, Now: clock.Now,
			LeaseDuration: time.Minute}
	}
	a := startEngine(t, cfg("a"))
	b := startEngine(t, cfg("b"))
	sm := createMachine(t, a, "slow", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaARN+`slow","End":true}}}`, sfn.TypeStandard)
	if _, err := a.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "long", Input: `{"x":1}`}); err != nil {
		t.Fatal(err)
	}
	if node := <-started; node != "a" {
		t.Fatalf("task started on %s, want a", node)
	}
	taken := func(e *Engine) int {
		e.dispatch.mu.Lock()
		defer e.dispatch.mu.Unlock()
		n := 0
		for _, tasks := range e.dispatch.inflight {
			n += len(tasks)
		}
		return n
	}

	// a renews a third of the way into each lease; at 80 s its first lease (60 s) would have
	// run out, the renewed one (to 100 s) has not.
	clock.Advance(40 * time.Second)
	a.dispatch.reapOnce(ctx)
	clock.Advance(40 * time.Second)
	b.dispatch.reapOnce(ctx)
	if n := taken(b); n != 0 {
		t.Fatalf("node b took %d task(s) that node a runs and renewed", n)
	}

	clock.Advance(40 * time.Second) // a renews no more (as if it died): b takes the task
	b.dispatch.reapOnce(ctx)
	if n := taken(b); n != 1 {
		t.Fatalf("node b took %d task(s) after a's renewed lease ran out, want 1", n)
	}
	if node := <-started; node != "b" {
		t.Fatalf("task started again on %s, want b", node)
	}
	close(release)
}

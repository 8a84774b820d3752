package engine

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/metrics"
	"github.com/stepflow/stepflow/sfn"
)

// countingRecorder counts the calls the engine makes, by a readable key.
type countingRecorder struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *countingRecorder) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[key]++
}

func (c *countingRecorder) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

func (c *countingRecorder) ExecutionStarted(string) { c.add("started") }
func (c *countingRecorder) ExecutionFinished(_ string, s sfn.ExecutionStatus, _ time.Duration) {
	c.add("finished " + string(s))
}
func (c *countingRecorder) ExecutionThrottled(string) { c.add("throttled") }
func (c *countingRecorder) ExecutionRedriven(string)  { c.add("redriven") }
func (c *countingRecorder) TaskScheduled(k metrics.TaskKind, _ string) {
	c.add("scheduled " + string(k))
}
func (c *countingRecorder) TaskStarted(metrics.TaskKind, string, time.Duration) {
	c.add("task started")
}
func (c *countingRecorder) TaskFinished(k metrics.TaskKind, _ string, o metrics.TaskOutcome, _, _ time.Duration) {
	c.add("task " + string(o))
}

func TestMetricsFromCommittedSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &countingRecorder{}
	e := startEngine(t, Config{Invoker: echoInvoker, Metrics: rec})
	sm := createMachine(t, e, "m", shortMachine, sfn.TypeStandard)
	ex, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatal(err)
	}
	awaitEnd(t, e, ex.ARN)
	express := createMachine(t, e, "x", passChain(1), sfn.TypeExpress)
	if _, err := e.StartSyncExecution(ctx, &StartExecutionParams{StateMachineARN: express, Input: `{"n":1}`}); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"started": 2, "finished SUCCEEDED": 2, "scheduled " + string(metrics.LambdaFunction): 3,
		"task started": 3, "task " + string(metrics.TaskSucceeded): 3}
	if got := rec.snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("metrics %v, want %v", got, want)
	}
}

func (c *countingRecorder) TaskRerun(metrics.RerunReason) {}

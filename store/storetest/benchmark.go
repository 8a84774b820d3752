package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// BenchmarkExecutionStep commits one step at a time (two small events and a snapshot each)
// and reports steps/s: the durable rate of a single execution's transitions.
func BenchmarkExecutionStep(b *testing.B, s store.Store) {
	benchmarkSteps(b, s, 1)
}

// BenchmarkExecutionStepBatch commits steps of batch executions in one transaction each and
// reports steps/s: the rate the engine reaches by batching steps of many executions.
func BenchmarkExecutionStepBatch(b *testing.B, s store.Store, batch int) {
	benchmarkSteps(b, s, batch)
}

func benchmarkSteps(b *testing.B, s store.Store, batch int) {
	arns := make([]string, batch)
	for i := range arns {
		arns[i] = executionARN(fmt.Sprintf("bench-%d", i))
		_, err := s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
			ARN: arns[i], StateMachineARN: machineARN, Name: fmt.Sprintf("bench-%d", i), Type: sfn.TypeStandard,
			Input: "{}", StartDate: t0, Snapshot: make([]byte, 256),
			Events: []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted)},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	snapshot := make([]byte, 256)
	steps := make([]*store.ExecutionStepParams, batch)
	b.ResetTimer()
	start := time.Now()
	for n := range b.N {
		version := int64(n + 1)
		for i := range steps {
			steps[i] = &store.ExecutionStepParams{
				ExecutionARN: arns[i], ExpectedVersion: version, Snapshot: snapshot,
				Events: []*sfn.HistoryEvent{event(2*version, sfn.EventPassStateEntered), event(2*version+1, sfn.EventPassStateExited)},
			}
		}
		errs, err := s.ExecutionStepBatch(ctx, steps)
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*batch)/elapsed.Seconds(), "steps/s")
}

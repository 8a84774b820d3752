package storetest

import (
	"context"
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

// creatorInBatches creates many executions in one transaction: the stores' own batch, which
// the engine's group commit uses.
type creatorInBatches interface {
	ExecutionCreateBatch(ctx context.Context, params []*store.ExecutionCreateParams) ([]*store.Execution, []error, error)
}

// SeedEndedExecutions writes n executions of machineARN that ended over the 30 days before
// t0, through the store's write path (so the rollups are written as the engine writes them):
// three in four succeed, the others fail with one of three errors, each after up to a minute
// spent in three states. Executions from on are written: a seed can be grown.
func SeedEndedExecutions(b *testing.B, s store.Store, from, n int) {
	b.Helper()
	batcher, ok := s.(creatorInBatches)
	if !ok {
		b.Skip("the store cannot create executions in batches")
	}
	const batch = 1000
	span := 30 * 24 * time.Hour
	errNames := []string{"Boom", "States.TaskFailed", "States.Timeout"}
	for i := from; i < n; i += batch {
		params := make([]*store.ExecutionCreateParams, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			startDate := t0.Add(-span + time.Duration(int64(span)/int64(n)*int64(j)))
			took := time.Duration(1+(j*7919)%60000) * time.Millisecond
			stop := startDate.Add(took)
			p := &store.ExecutionCreateParams{
				ARN: executionARN(fmt.Sprintf("seed-%d", j)), StateMachineARN: machineARN, Name: fmt.Sprintf("seed-%d", j),
				Type: sfn.TypeExpress, Input: "{}", StartDate: startDate, Status: sfn.StatusSucceeded, StopDate: &stop,
				EndedStates: []store.StateTime{
					{Name: "Fetch", Runs: 1, Total: took / 4, Max: took / 4},
					{Name: "Transform", Runs: 2, Total: took / 2, Max: took / 3},
					{Name: "Store", Runs: 1, Total: took / 4, Max: took / 4},
				},
			}
			if j%4 == 3 {
				p.Status, p.Error = sfn.StatusFailed, errNames[j%3]
			}
			params = append(params, p)
		}
		if _, _, err := batcher.ExecutionCreateBatch(ctx, params); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPerformanceQuery reads what the performance page of one state machine reads for
// each of its ranges, on the store as seeded: its cost follows the buckets
// in range, not the executions.
func BenchmarkPerformanceQuery(b *testing.B, s store.Store) {
	for _, r := range []struct {
		name       string
		resolution time.Duration
		span       time.Duration
	}{
		{"hour", 5 * time.Minute, time.Hour},
		{"day", time.Hour, 24 * time.Hour},
		{"week", 6 * time.Hour, 7 * 24 * time.Hour},
		{"30d", 24 * time.Hour, 30 * 24 * time.Hour},
	} {
		b.Run("range="+r.name, func(b *testing.B) {
			p := &store.PerformanceListParams{StateMachineARN: machineARN, Resolution: r.resolution, From: t0.Add(-r.span), To: t0}
			var buckets, slots int
			for b.Loop() {
				l, err := s.PerformanceList(ctx, p)
				if err != nil {
					b.Fatal(err)
				}
				buckets, slots = len(l.Buckets), 0
				for _, bucket := range l.Buckets {
					slots += len(bucket.Durations)
				}
			}
			// The rows read: a bucket's histogram fills up to the slots its durations span,
			// then stays that size however many more executions it counts.
			b.ReportMetric(float64(buckets), "buckets")
			b.ReportMetric(float64(slots), "slots")
		})
	}
}

// BenchmarkExecutionEnd commits, batch at a time, the steps that end executions (their
// creation is not timed) and reports ends/s: with the rollups' ExecutionEnd (three states and
// an error in one of four) and without, which is the rollups' cost on the write path. The
// creates count the starts in the rollups either way.
func BenchmarkExecutionEnd(b *testing.B, s store.Store, batch int, rollups bool) {
	var runs []string
	b.StopTimer()
	for i := range b.N * batch {
		name := fmt.Sprintf("end-%t-%d-%d", rollups, b.N, i)
		_, err := s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
			ARN: executionARN(name), StateMachineARN: machineARN, Name: name, Type: sfn.TypeStandard,
			Input: "{}", StartDate: t0.Add(time.Duration(i) * time.Millisecond), Snapshot: make([]byte, 256),
		})
		if err != nil {
			b.Fatal(err)
		}
		runs = append(runs, executionARN(name))
	}
	states := []store.StateTime{{Name: "Fetch", Runs: 1, Total: time.Second, Max: time.Second},
		{Name: "Transform", Runs: 2, Total: time.Second, Max: time.Second}, {Name: "Store", Runs: 1, Total: time.Second, Max: time.Second}}
	b.ResetTimer()
	b.StartTimer()
	start := time.Now()
	for n := range b.N {
		steps := make([]*store.ExecutionStepParams, batch)
		for i := range steps {
			k := n*batch + i
			stop := t0.Add(time.Duration(k)*time.Millisecond + time.Duration(1+k%5000)*time.Millisecond)
			u := &store.ExecutionUpdate{Status: sfn.StatusSucceeded, StopDate: &stop}
			if k%4 == 3 {
				u.Status, u.Error = sfn.StatusFailed, "Boom"
			}
			steps[i] = &store.ExecutionStepParams{ExecutionARN: runs[k], ExpectedVersion: 1, Snapshot: make([]byte, 256), Update: u}
			if rollups {
				steps[i].Ended = &store.ExecutionEnd{StateMachineARN: machineARN, RunStart: t0.Add(time.Duration(k) * time.Millisecond), States: states}
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
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "ends/s")
}

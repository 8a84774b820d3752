package sqlite_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// BenchmarkCommitStartsAndEnds is the committer's work under `stepflow bench-api`: per
// iteration one transaction starts batch Standard executions (a 1 KiB snapshot and two
// history events each, names from 64 clients as the load generator makes them) and a second
// one ends them (SUCCEEDED, a new snapshot, three events, the performance rollups), both
// committed unsynced and then synced as the engine's committer and syncer do. It reports the
// CPU the writer spends per execution (µs/execution): the cost the API throughput follows.
func BenchmarkCommitStartsAndEnds(b *testing.B) {
	for _, batch := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchmarkCommitStartsAndEnds(b, batch)
		})
	}
}

func benchmarkCommitStartsAndEnds(b *testing.B, batch int) {
	ctx := context.Background()
	s := openTemp(b)
	const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:bench"
	snapshot := make([]byte, 1024)
	for i := range snapshot {
		snapshot[i] = byte('a' + i%26)
	}
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	ev := func(id int64, typ sfn.EventType, at time.Time) *sfn.HistoryEvent {
		e := &sfn.HistoryEvent{Timestamp: at, Type: typ, ID: id, PreviousEventID: id - 1}
		switch typ {
		case sfn.EventExecutionStarted:
			e.ExecutionStartedEventDetails = &sfn.ExecutionStartedDetails{Input: &sfn.Payload{Value: map[string]any{"n": float64(1)}},
				InputDetails: &sfn.Truncation{}, RoleArn: "arn:aws:iam::123456789012:role/r"}
		case sfn.EventPassStateEntered:
			e.StateEnteredEventDetails = &sfn.StateEnteredDetails{Name: "P", Input: &sfn.Payload{Value: map[string]any{"n": float64(1)}},
				InputDetails: &sfn.Truncation{}}
		case sfn.EventExecutionSucceeded:
			e.ExecutionSucceededEventDetails = &sfn.OutputDetails{Output: &sfn.Payload{Value: map[string]any{"n": float64(1)}},
				OutputDetails: &sfn.Truncation{}}
		}
		return e
	}
	cpu0 := processCPU()
	b.ResetTimer()
	for n := range b.N {
		creates := make([]*store.ExecutionCreateParams, batch)
		ends := make([]*store.ExecutionStepParams, batch)
		for i := range creates {
			k := n*batch + i
			name := fmt.Sprintf("w%d-%d", k%64, k/64)
			arn := "arn:aws:states:us-east-1:123456789012:execution:bench:" + name
			start := t0.Add(time.Duration(k) * time.Millisecond)
			stop := start.Add(time.Millisecond)
			creates[i] = &store.ExecutionCreateParams{ARN: arn, StateMachineARN: machine, Name: name, Type: sfn.TypeStandard,
				Input: `{"n":1}`, StartDate: start, Snapshot: snapshot,
				Events: []*sfn.HistoryEvent{ev(1, sfn.EventExecutionStarted, start), ev(2, sfn.EventPassStateEntered, start)}}
			output := `{"n":1}`
			ends[i] = &store.ExecutionStepParams{ExecutionARN: arn, ExpectedVersion: 1, Snapshot: snapshot,
				Update: &store.ExecutionUpdate{Status: sfn.StatusSucceeded, Output: &output, StopDate: &stop},
				Ended: &store.ExecutionEnd{StateMachineARN: machine, RunStart: start,
					States: []store.StateTime{{Name: "P", Runs: 1, Total: time.Millisecond / 2, Max: time.Millisecond / 2}}},
				Events: []*sfn.HistoryEvent{ev(3, sfn.EventPassStateExited, stop), ev(4, sfn.EventSucceedStateEntered, stop),
					ev(5, sfn.EventExecutionSucceeded, stop)}}
		}
		_, createErrs, _, err := s.ExecutionCommitBatchUnsynced(ctx, creates, nil)
		if err == nil {
			err = firstErr(createErrs)
		}
		if err == nil {
			_, _, stepErrs, err2 := s.ExecutionCommitBatchUnsynced(ctx, nil, ends)
			if err = err2; err == nil {
				err = firstErr(stepErrs)
			}
		}
		if err == nil {
			err = s.SyncCommits(ctx)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N*batch), "cpu-µs/execution")
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// processCPU is the CPU time (user and system) this process has used: the syscalls that
// write the WAL count as much as the B-tree work.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

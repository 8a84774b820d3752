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

// BenchmarkCommitStartsAndEnds is the committer's work under `stepflow bench-api`'s short
// workflow (Pass, Choice, Succeed): the engine runs such an execution to its end before its
// start is committed, so each start is one row that is already SUCCEEDED, with its 1 KiB
// snapshot, its eight history events and its performance rollups. Per iteration one
// transaction writes batch of them, committed unsynced and then synced, as the engine's
// committer and syncer do; names come from 64 clients as the load generator makes them. It
// reports the CPU the writer spends per execution (cpu-µs/execution): what the API
// throughput follows.
func BenchmarkCommitStartsAndEnds(b *testing.B) {
	for _, batch := range []int{1, 8, 32, 64} {
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
	value := map[string]any{"n": float64(1), "prepared": map[string]any{"ok": true}}
	events := func(start time.Time) []*sfn.HistoryEvent {
		types := []sfn.EventType{sfn.EventExecutionStarted, sfn.EventPassStateEntered, sfn.EventPassStateExited,
			sfn.EventChoiceStateEntered, sfn.EventChoiceStateExited, sfn.EventSucceedStateEntered, sfn.EventSucceedStateExited,
			sfn.EventExecutionSucceeded}
		out := make([]*sfn.HistoryEvent, len(types))
		for i, typ := range types {
			e := &sfn.HistoryEvent{Timestamp: start, Type: typ, ID: int64(i + 1), PreviousEventID: int64(i)}
			payload := &sfn.Payload{Value: value}
			switch typ {
			case sfn.EventExecutionStarted:
				e.ExecutionStartedEventDetails = &sfn.ExecutionStartedDetails{Input: payload, InputDetails: &sfn.Truncation{},
					RoleArn: "arn:aws:iam::123456789012:role/bench"}
			case sfn.EventPassStateEntered, sfn.EventChoiceStateEntered, sfn.EventSucceedStateEntered:
				e.StateEnteredEventDetails = &sfn.StateEnteredDetails{Name: string(typ)[:4], Input: payload, InputDetails: &sfn.Truncation{}}
			case sfn.EventPassStateExited, sfn.EventChoiceStateExited, sfn.EventSucceedStateExited:
				e.StateExitedEventDetails = &sfn.StateExitedDetails{Name: string(typ)[:4], Output: payload, OutputDetails: &sfn.Truncation{}}
			case sfn.EventExecutionSucceeded:
				e.ExecutionSucceededEventDetails = &sfn.OutputDetails{Output: payload, OutputDetails: &sfn.Truncation{}}
			}
			out[i] = e
		}
		return out
	}
	states := []store.StateTime{{Name: "Prepare", Runs: 1}, {Name: "Route", Runs: 1}, {Name: "Done", Runs: 1}}
	cpu0 := processCPU()
	b.ResetTimer()
	for n := range b.N {
		creates := make([]*store.ExecutionCreateParams, batch)
		for i := range creates {
			k := n*batch + i
			name := fmt.Sprintf("w%d-%d", k%64, k/64)
			start := t0.Add(time.Duration(k) * time.Millisecond)
			output := `{"n":1,"prepared":{"ok":true}}`
			creates[i] = &store.ExecutionCreateParams{ARN: "arn:aws:states:us-east-1:123456789012:execution:bench:" + name,
				StateMachineARN: machine, Name: name, Type: sfn.TypeStandard, Input: `{"n":1}`, StartDate: start,
				Status: sfn.StatusSucceeded, Output: &output, StopDate: &start, EndedStates: states,
				Snapshot: snapshot, Events: events(start)}
		}
		_, createErrs, _, err := s.ExecutionCommitBatchUnsynced(ctx, creates, nil)
		if err == nil {
			err = firstErr(createErrs)
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

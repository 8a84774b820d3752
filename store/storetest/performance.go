package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// bucketAt is the start of the bucket of resolution r holding t0 plus the given minutes.
func bucketAt(minutes int, r time.Duration) time.Time {
	return store.Stamp(store.BucketStart(t0.Add(time.Duration(minutes)*time.Minute), r))
}

// histogram counts the given run durations by slot.
func histogram(durations ...time.Duration) store.DurationHistogram {
	h := store.DurationHistogram{}
	for _, d := range durations {
		h[store.DurationSlot(d)]++
	}
	return h
}

func testPerformance(t *testing.T, s store.Store) {
	// t0 is 12:00:00.123: e0..e3 start in the 12:00 five-minute bucket, e4 in the 12:05 one.
	for i := range 4 {
		createExecution(t, s, "e"+string(rune('0'+i)), i)
	}
	createExecution(t, s, "e4", 6*60)
	stop := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	ending := func(name string, status sfn.ExecutionStatus, errName string, runStart, stopAt time.Duration, states ...store.StateTime) *store.ExecutionStepParams {
		return &store.ExecutionStepParams{ExecutionARN: executionARN(name), ExpectedVersion: 1,
			Update: &store.ExecutionUpdate{Status: status, Error: errName, StopDate: stop(stopAt)},
			Ended:  &store.ExecutionEnd{StateMachineARN: machineARN, RunStart: t0.Add(runStart), States: states}}
	}
	check(t, s.ExecutionStep(ctx, ending("e0", sfn.StatusSucceeded, "", 0, 2*time.Second,
		store.StateTime{Name: "A", Runs: 1, Total: time.Second, Max: time.Second},
		store.StateTime{Name: "B", Runs: 2, Total: 500 * time.Millisecond, Max: 300 * time.Millisecond})))
	check(t, s.ExecutionStep(ctx, ending("e1", sfn.StatusFailed, "Boom", time.Second, 4*time.Second,
		store.StateTime{Name: "A", Runs: 1, Total: 2 * time.Second, Max: 2 * time.Second})))
	// Two ends in one batch share their buckets: one upsert adds both.
	errs := must(s.ExecutionStepBatch(ctx, []*store.ExecutionStepParams{
		ending("e2", sfn.StatusFailed, "Boom", 2*time.Second, 7*time.Minute),
		ending("e3", sfn.StatusTimedOut, "States.Timeout", 3*time.Second, 7*time.Minute),
	})).get(t)
	equal(t, "batch outcomes", errs, []error{nil, nil})
	// A step refused by its version guard adds nothing.
	var conflict *store.ConflictError
	if err := s.ExecutionStep(ctx, ending("e0", sfn.StatusFailed, "Again", 0, 3*time.Second)); !errors.As(err, &conflict) {
		t.Fatalf("stepping e0 again: %v, want a conflict", err)
	}
	// Created ended (an Express execution's record): started and ended at once.
	must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN: executionARN("e5"), StateMachineARN: machineARN, Name: "e5", Type: sfn.TypeExpress, Input: "{}",
		StartDate: t0.Add(8 * time.Minute), Status: sfn.StatusAborted, StopDate: stop(9 * time.Minute),
		EndedStates: []store.StateTime{{Name: "A", Runs: 1, Total: 10 * time.Millisecond, Max: 10 * time.Millisecond}},
	})).get(t)
	// Another machine's execution is counted apart.
	must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN: "arn:aws:states:us-east-1:123456789012:execution:Billing:b", StateMachineARN: otherARN, Name: "b",
		Type: sfn.TypeExpress, Input: "{}", StartDate: t0.Add(time.Second), Status: sfn.StatusFailed, Error: "Boom",
		StopDate: stop(time.Second),
	})).get(t)

	list := func(r time.Duration, from, to time.Time) *store.PerformanceList {
		t.Helper()
		return must(s.PerformanceList(ctx, &store.PerformanceListParams{StateMachineARN: machineARN, Resolution: r, From: from, To: to})).get(t)
	}
	fine := 5 * time.Minute
	equal(t, "five-minute rollups", list(fine, t0.Add(-time.Hour), t0.Add(time.Hour)), &store.PerformanceList{
		Buckets: []*store.PerformanceBucket{
			{Start: bucketAt(0, fine), Started: 4, Succeeded: 1, Failed: 1, Durations: histogram(2*time.Second, 3*time.Second)},
			{Start: bucketAt(5, fine), Started: 2, Failed: 1, TimedOut: 1, Aborted: 1,
				Durations: histogram(7*time.Minute-2*time.Second, 7*time.Minute-3*time.Second, time.Minute)},
		},
		States: []store.StateTime{
			{Name: "A", Runs: 3, Total: 3010 * time.Millisecond, Max: 2 * time.Second},
			{Name: "B", Runs: 2, Total: 500 * time.Millisecond, Max: 300 * time.Millisecond},
		},
		Errors: []*store.PerformanceError{
			{Error: "Boom", Executions: 2, Example: executionARN("e2")},
			{Error: "States.Timeout", Executions: 1, Example: executionARN("e3")},
		},
	})
	equal(t, "hourly rollups", list(time.Hour, t0.Add(-time.Hour), t0.Add(time.Hour)).Buckets, []*store.PerformanceBucket{
		{Start: bucketAt(0, time.Hour), Started: 6, Succeeded: 1, Failed: 2, TimedOut: 1, Aborted: 1,
			Durations: histogram(2*time.Second, 3*time.Second, 7*time.Minute-2*time.Second, 7*time.Minute-3*time.Second, time.Minute)},
	})
	equal(t, "the 12:05 bucket only", list(fine, bucketAt(5, fine), t0.Add(time.Hour)), &store.PerformanceList{
		Buckets: []*store.PerformanceBucket{{Start: bucketAt(5, fine), Started: 2, Failed: 1, TimedOut: 1, Aborted: 1,
			Durations: histogram(7*time.Minute-2*time.Second, 7*time.Minute-3*time.Second, time.Minute)}},
		States: []store.StateTime{{Name: "A", Runs: 1, Total: 10 * time.Millisecond, Max: 10 * time.Millisecond}},
		Errors: []*store.PerformanceError{
			{Error: "Boom", Executions: 1, Example: executionARN("e2")},
			{Error: "States.Timeout", Executions: 1, Example: executionARN("e3")},
		},
	})
	equal(t, "an empty range", list(fine, t0.Add(time.Hour), t0.Add(2*time.Hour)),
		&store.PerformanceList{Buckets: []*store.PerformanceBucket{}, States: []store.StateTime{}, Errors: []*store.PerformanceError{}})

	// Retention removes the buckets that ended by Before, a Limit at a time: at 12:05 the two
	// machines' 12:00 five-minute buckets; the hourly ones last until 13:00.
	deleteBefore := func(before time.Time, limit, want int) {
		t.Helper()
		n := must(s.PerformanceDeleteBefore(ctx, &store.PerformanceDeleteBeforeParams{Before: before, Limit: limit})).get(t)
		if n != want {
			t.Fatalf("delete before %s (limit %d): %d buckets, want %d", before.Format(time.TimeOnly), limit, n, want)
		}
	}
	deleteBefore(bucketAt(5, fine), 1, 1)
	deleteBefore(bucketAt(5, fine), 0, 1)
	deleteBefore(bucketAt(5, fine), 0, 0)
	if got := list(fine, t0.Add(-time.Hour), t0.Add(time.Hour)); len(got.Buckets) != 1 || !got.Buckets[0].Start.Equal(bucketAt(5, fine)) ||
		len(got.States) != 1 || got.Errors[0].Executions != 1 {
		t.Fatalf("after retention at 12:05: %+v", got)
	}
	if got := list(time.Hour, t0.Add(-time.Hour), t0.Add(time.Hour)); len(got.Buckets) != 1 || got.Buckets[0].Started != 6 {
		t.Fatalf("hourly buckets after retention at 12:05: %+v", got.Buckets)
	}
	deleteBefore(bucketAt(120, time.Hour), 0, 3)
	equal(t, "after retention at 14:00", list(time.Hour, t0.Add(-time.Hour), t0.Add(time.Hour)),
		&store.PerformanceList{Buckets: []*store.PerformanceBucket{}, States: []store.StateTime{}, Errors: []*store.PerformanceError{}})
}

package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func testExecutionTimingList(t *testing.T, s store.Store) {
	// e0..e5 of machineARN start a second apart; e1 succeeds after 30 s, e2 fails with an
	// error, e3 times out; one execution of another machine starts in the same range.
	for i := range 6 {
		createExecution(t, s, fmt.Sprintf("e%d", i), i)
	}
	end := func(name string, status sfn.ExecutionStatus, errName string, stop time.Time) {
		t.Helper()
		check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{
			ExecutionARN: executionARN(name), ExpectedVersion: 1,
			Update: &store.ExecutionUpdate{Status: status, Error: errName, StopDate: &stop},
		}))
	}
	end("e1", sfn.StatusSucceeded, "", t0.Add(31*time.Second))
	end("e2", sfn.StatusFailed, "OutOfStock", t0.Add(3*time.Second))
	end("e3", sfn.StatusTimedOut, "States.Timeout", t0.Add(time.Hour))
	must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN: "arn:aws:states:us-east-1:123456789012:execution:Billing:b", StateMachineARN: otherARN, Name: "b",
		Type: sfn.TypeStandard, Input: "{}", StartDate: t0.Add(2 * time.Second),
	})).get(t)

	all := must(s.ExecutionTimingList(ctx, &store.ExecutionTimingListParams{
		StateMachineARN: machineARN, StartedFrom: t0.Add(-time.Hour), StartedBefore: t0.Add(time.Hour),
	})).get(t)
	equal(t, "all timings", all, &store.ExecutionTimingListResult{Timings: []*store.ExecutionTiming{
		{ARN: executionARN("e5"), Status: sfn.StatusRunning, StartDate: at(5)},
		{ARN: executionARN("e4"), Status: sfn.StatusRunning, StartDate: at(4)},
		{ARN: executionARN("e3"), Status: sfn.StatusTimedOut, Error: "States.Timeout", StartDate: at(3), StopDate: ptr(at(3600))},
		{ARN: executionARN("e2"), Status: sfn.StatusFailed, Error: "OutOfStock", StartDate: at(2), StopDate: ptr(at(3))},
		{ARN: executionARN("e1"), Status: sfn.StatusSucceeded, StartDate: at(1), StopDate: ptr(at(31))},
		{ARN: executionARN("e0"), Status: sfn.StatusRunning, StartDate: at(0)},
	}})

	// The range includes its start and excludes its end.
	ranged := must(s.ExecutionTimingList(ctx, &store.ExecutionTimingListParams{
		StateMachineARN: machineARN, StartedFrom: at(1), StartedBefore: at(4),
	})).get(t)
	var names []string
	for _, x := range ranged.Timings {
		names = append(names, x.ARN[len(x.ARN)-2:])
	}
	equal(t, "timings started in [1 s, 4 s)", names, []string{"e3", "e2", "e1"})

	limited := must(s.ExecutionTimingList(ctx, &store.ExecutionTimingListParams{
		StateMachineARN: machineARN, StartedFrom: at(0), StartedBefore: at(60), Limit: 2,
	})).get(t)
	if len(limited.Timings) != 2 || !limited.Truncated || limited.Timings[0].ARN != executionARN("e5") {
		t.Errorf("limit 2: %d timings, truncated %v, first %s; want the 2 newest, truncated", len(limited.Timings), limited.Truncated, limited.Timings[0].ARN)
	}
	exact := must(s.ExecutionTimingList(ctx, &store.ExecutionTimingListParams{
		StateMachineARN: machineARN, StartedFrom: at(0), StartedBefore: at(60), Limit: 6,
	})).get(t)
	if len(exact.Timings) != 6 || exact.Truncated {
		t.Errorf("limit 6 of 6: %d timings, truncated %v", len(exact.Timings), exact.Truncated)
	}
	none := must(s.ExecutionTimingList(ctx, &store.ExecutionTimingListParams{
		StateMachineARN: machineARN, StartedFrom: at(100), StartedBefore: at(200),
	})).get(t)
	if len(none.Timings) != 0 || none.Truncated {
		t.Errorf("empty range: %+v", none)
	}
}

func testExecutionCount(t *testing.T, s store.Store) {
	// e0..e5 start a second apart; e1 and e2 fail, e3 times out; one of another machine fails.
	for i := range 6 {
		createExecution(t, s, fmt.Sprintf("e%d", i), i)
	}
	end := func(name string, status sfn.ExecutionStatus) {
		t.Helper()
		stop := t0.Add(time.Minute)
		check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{
			ExecutionARN: executionARN(name), ExpectedVersion: 1,
			Update: &store.ExecutionUpdate{Status: status, Error: "E", StopDate: &stop},
		}))
	}
	end("e1", sfn.StatusFailed)
	end("e2", sfn.StatusFailed)
	end("e3", sfn.StatusTimedOut)
	must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN: "arn:aws:states:us-east-1:123456789012:execution:Billing:b", StateMachineARN: otherARN, Name: "b",
		Type: sfn.TypeStandard, Input: "{}", StartDate: t0.Add(5 * time.Second), Status: sfn.StatusFailed,
		Error: "E", StopDate: ptr(t0.Add(6 * time.Second)),
	})).get(t)
	count := func(status sfn.ExecutionStatus, from time.Time, limit int) store.ExecutionCountResult {
		t.Helper()
		return *must(s.ExecutionCount(ctx, &store.ExecutionCountParams{Status: status, StartedFrom: from, Limit: limit})).get(t)
	}
	equal(t, "running", count(sfn.StatusRunning, time.Time{}, 0), store.ExecutionCountResult{Count: 3})
	equal(t, "failed", count(sfn.StatusFailed, time.Time{}, 0), store.ExecutionCountResult{Count: 3})
	equal(t, "failed since e2", count(sfn.StatusFailed, t0.Add(2*time.Second), 0), store.ExecutionCountResult{Count: 2})
	equal(t, "failed, limit 2", count(sfn.StatusFailed, time.Time{}, 2), store.ExecutionCountResult{Count: 2, AtLeast: true})
	equal(t, "failed, limit 3", count(sfn.StatusFailed, time.Time{}, 3), store.ExecutionCountResult{Count: 3})
	equal(t, "timed out", count(sfn.StatusTimedOut, time.Time{}, 0), store.ExecutionCountResult{Count: 1})
	equal(t, "aborted", count(sfn.StatusAborted, time.Time{}, 0), store.ExecutionCountResult{Count: 0})
}

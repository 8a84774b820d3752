package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func testExecutionDeleteFinishedBefore(t *testing.T, s store.Store) {
	finish := func(name string, stop time.Time) *store.Execution {
		t.Helper()
		e := createExecution(t, s, name, 0)
		check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: e.ARN, ExpectedVersion: 1,
			Events:        []*sfn.HistoryEvent{event(2, sfn.EventExecutionSucceeded)},
			TaskTokensAdd: []*store.TaskTokenAdd{{Token: "tok-" + name, TaskID: "t", CreatedDate: t0}},
			Update:        &store.ExecutionUpdate{Status: sfn.StatusSucceeded, Output: ptr("1"), StopDate: &stop}}))
		return e
	}
	old1 := finish("old1", t0.Add(time.Hour))
	old2 := finish("old2", t0.Add(2*time.Hour))
	old3 := finish("old3", t0.Add(3*time.Hour))
	recent := finish("recent", t0.Add(48*time.Hour))
	running := createExecution(t, s, "running", 0)
	cutoff := t0.Add(24 * time.Hour)

	n := must(s.ExecutionDeleteFinishedBefore(ctx, &store.ExecutionDeleteFinishedBeforeParams{Before: cutoff, Limit: 2})).get(t)
	equal(t, "first sweep (limit 2, oldest first)", n, 2)
	for _, e := range []*store.Execution{old1, old2} {
		_, err := s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: e.ARN})
		wantError(t, err, "execution "+e.ARN+" does not exist")
		_, err = s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: e.ARN})
		wantError(t, err, "execution "+e.ARN+" does not exist")
		_, err = s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: "tok-" + e.Name})
		wantError(t, err, "task token tok-"+e.Name+" does not exist")
	}
	must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: old3.ARN})).get(t)

	n = must(s.ExecutionDeleteFinishedBefore(ctx, &store.ExecutionDeleteFinishedBeforeParams{Before: cutoff})).get(t)
	equal(t, "second sweep", n, 1)
	n = must(s.ExecutionDeleteFinishedBefore(ctx, &store.ExecutionDeleteFinishedBeforeParams{Before: cutoff})).get(t)
	equal(t, "third sweep", n, 0)
	for _, e := range []*store.Execution{recent, running} {
		equal(t, "kept "+e.Name, len(history(t, s, e.ARN)) > 0, true)
	}

	// More than one statement's worth of executions (a store deletes them in chunks) go in
	// one call, every one of them with its history and tokens.
	var bulk []*store.Execution
	for i := range 70 {
		bulk = append(bulk, finish(fmt.Sprintf("bulk%02d", i), t0.Add(time.Duration(i)*time.Minute)))
	}
	n = must(s.ExecutionDeleteFinishedBefore(ctx, &store.ExecutionDeleteFinishedBeforeParams{Before: cutoff, Limit: 100})).get(t)
	equal(t, "bulk sweep", n, 70)
	for _, e := range bulk {
		_, err := s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: e.ARN})
		wantError(t, err, "execution "+e.ARN+" does not exist")
		_, err = s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: e.ARN})
		wantError(t, err, "execution "+e.ARN+" does not exist")
		if _, err = s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: "tok-" + e.Name}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("task token of %s after the sweep: got %v, want not found", e.Name, err)
		}
	}
	for _, e := range []*store.Execution{recent, running} {
		equal(t, "still kept "+e.Name, len(history(t, s, e.ARN)) > 0, true)
	}
}

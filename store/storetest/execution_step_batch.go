package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func testExecutionStepBatch(t *testing.T, s store.Store) {
	a, b, c := createExecution(t, s, "a", 0), createExecution(t, s, "b", 1), createExecution(t, s, "c", 2)
	steps := []*store.ExecutionStepParams{
		{ExecutionARN: a.ARN, ExpectedVersion: 1, Snapshot: []byte("a2"), Events: []*sfn.HistoryEvent{event(2, sfn.EventPassStateEntered)}},
		{ExecutionARN: b.ARN, ExpectedVersion: 7, Snapshot: []byte("b-stale"), Events: []*sfn.HistoryEvent{event(2, sfn.EventPassStateEntered)}},
		// A second step of a in the same batch builds on the first.
		{ExecutionARN: a.ARN, ExpectedVersion: 2, Snapshot: []byte("a3"), Events: []*sfn.HistoryEvent{event(3, sfn.EventPassStateExited)}},
		{ExecutionARN: executionARN("missing"), ExpectedVersion: 1},
		{ExecutionARN: c.ARN, ExpectedVersion: 1, Snapshot: []byte("c2"),
			Update: &store.ExecutionUpdate{Status: sfn.StatusSucceeded, Output: ptr("{}"), StopDate: ptr(t0)}},
	}
	errs, err := s.ExecutionStepBatch(ctx, steps)
	check(t, err)
	var msgs []string
	for _, e := range errs {
		if e == nil {
			msgs = append(msgs, "")
		} else {
			msgs = append(msgs, e.Error())
		}
	}
	equal(t, "per-step errors", msgs, []string{
		"",
		"execution " + b.ARN + ": version conflict: expected version 7, found 1",
		"",
		"execution " + executionARN("missing") + " does not exist",
		"",
	})
	if !errors.Is(errs[1], store.ErrVersionConflict) || !errors.Is(errs[3], store.ErrNotFound) {
		t.Fatalf("errors %v: want a conflict and a not-found", errs)
	}
	for _, want := range []struct {
		arn      string
		version  int64
		snapshot string
		events   int
	}{{a.ARN, 3, "a3", 3}, {b.ARN, 1, "snapshot-1", 1}, {c.ARN, 2, "c2", 1}} {
		snap := must(s.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: want.arn})).get(t)
		equal(t, want.arn+" version", snap.Version, want.version)
		equal(t, want.arn+" snapshot", string(snap.Snapshot), want.snapshot)
		equal(t, want.arn+" events", len(history(t, s, want.arn)), want.events)
	}
	equal(t, "c status", must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: c.ARN})).get(t).Status, sfn.StatusSucceeded)

	errs, err = s.ExecutionStepBatch(ctx, nil)
	check(t, err)
	equal(t, "empty batch", len(errs), 0)
}

// A step that reuses an event id is a caller bug, not a race: the whole batch rolls back.
func testExecutionStepBatchFatal(t *testing.T, s store.Store) {
	a, b := createExecution(t, s, "a", 0), createExecution(t, s, "b", 1)
	errs, err := s.ExecutionStepBatch(ctx, []*store.ExecutionStepParams{
		{ExecutionARN: a.ARN, ExpectedVersion: 1, Events: []*sfn.HistoryEvent{event(2, sfn.EventPassStateEntered)}},
		{ExecutionARN: b.ARN, ExpectedVersion: 1, Events: []*sfn.HistoryEvent{event(1, sfn.EventPassStateEntered)}},
	})
	wantError(t, err, "commit execution steps: execution "+b.ARN+": history event 1 already exists")
	if errs != nil || !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("got %v, %v: want no per-step errors and ErrAlreadyExists", errs, err)
	}
	equal(t, "a version", must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: a.ARN})).get(t).Version, int64(1))
	equal(t, "a events", len(history(t, s, a.ARN)), 1)

	err = s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 1,
		TaskTokensAdd: []*store.TaskTokenAdd{{Token: "dup", TaskID: "x", CreatedDate: t0}, {Token: "dup", TaskID: "y", CreatedDate: t0}}})
	wantError(t, err, "commit step of execution "+a.ARN+": execution "+a.ARN+": task token of task y already exists")
}

// Many workers step one execution from the same version: exactly one wins.
func testExecutionStepConcurrent(t *testing.T, s store.Store) {
	exec := createExecution(t, s, "e1", 0)
	const workers = 8
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		wins      []int
		conflicts int
		others    []string
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.ExecutionStep(ctx, &store.ExecutionStepParams{
				ExecutionARN: exec.ARN, ExpectedVersion: 1, Snapshot: []byte(fmt.Sprint(w)),
				Events: []*sfn.HistoryEvent{event(2, sfn.EventPassStateEntered)},
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins = append(wins, w)
			case errors.Is(err, store.ErrVersionConflict):
				conflicts++
			default:
				others = append(others, err.Error())
			}
		}()
	}
	wg.Wait()
	if len(wins) != 1 || conflicts != workers-1 || len(others) != 0 {
		t.Fatalf("wins %v, conflicts %d, other errors %s: want exactly one winner", wins, conflicts, strings.Join(others, "; "))
	}
	snap := must(s.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: exec.ARN})).get(t)
	equal(t, "winner's snapshot", string(snap.Snapshot), fmt.Sprint(wins[0]))
	equal(t, "version", snap.Version, int64(2))
}

package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// A batch writes the timers, dispatches and tokens of many steps with multi-row statements;
// each step's deletes come before its adds, and a later step of one execution in the same
// batch sees what the earlier one wrote.
func testExecutionStepBatchRecords(t *testing.T, s store.Store) {
	const n = 45 // more rows than one multi-row statement takes
	var execs []*store.Execution
	var steps []*store.ExecutionStepParams
	for i := range n {
		e := createExecution(t, s, fmt.Sprintf("r%02d", i), i)
		execs = append(execs, e)
		steps = append(steps, &store.ExecutionStepParams{ExecutionARN: e.ARN, ExpectedVersion: 1,
			TimersAdd:     []*store.TimerAdd{{TimerID: "t", FireAt: t0.Add(time.Duration(i) * time.Second)}},
			DispatchesAdd: []*store.DispatchAdd{{TaskID: "d", Resource: "r", Input: "{}", CreatedDate: t0}},
			TaskTokensAdd: []*store.TaskTokenAdd{{Token: fmt.Sprintf("tok-%02d", i), TaskID: "d", CreatedDate: t0}},
		})
	}
	errs, err := s.ExecutionStepBatch(ctx, steps)
	check(t, err)
	equal(t, "first batch errors", errs, make([]error, n))
	equal(t, "timers after first batch", len(dueTimers(t, s)), n)

	e0, e1, e2, e3 := execs[0].ARN, execs[1].ARN, execs[2].ARN, execs[3].ARN
	errs, err = s.ExecutionStepBatch(ctx, []*store.ExecutionStepParams{
		// Two steps of e0: the second deletes what the first added and adds "t" back later.
		{ExecutionARN: e0, ExpectedVersion: 2, TimersDelete: []string{"t"}, TimersAdd: []*store.TimerAdd{{TimerID: "t2", FireAt: t0}}},
		{ExecutionARN: e1, ExpectedVersion: 2, DispatchesDelete: []string{"d"}, TaskTokensClose: []string{"tok-01"}},
		{ExecutionARN: e0, ExpectedVersion: 3, TimersDelete: []string{"t2"}, TimersAdd: []*store.TimerAdd{{TimerID: "t", FireAt: t0.Add(time.Hour)}}},
		// A finished execution leaves nothing behind.
		{ExecutionARN: e2, ExpectedVersion: 2, Update: &store.ExecutionUpdate{Status: sfn.StatusSucceeded, Output: ptr("{}"), StopDate: ptr(t0)}},
		// One step adding one timer twice: the last stands.
		{ExecutionARN: e3, ExpectedVersion: 2, TimersAdd: []*store.TimerAdd{{TimerID: "t", FireAt: t0.Add(time.Minute)}, {TimerID: "t", FireAt: t0.Add(2 * time.Minute)}}},
	})
	check(t, err)
	equal(t, "second batch errors", errs, make([]error, 5))

	timers := map[string]time.Time{}
	for _, tm := range dueTimers(t, s) {
		timers[tm.ExecutionARN+"/"+tm.TimerID] = tm.FireAt.Truncate(time.Second) // stores keep microseconds
	}
	equal(t, "timers after second batch", len(timers), n-1)
	equal(t, "e0 timer t", timers[e0+"/t"], t0.Add(time.Hour).Truncate(time.Second))
	if _, ok := timers[e0+"/t2"]; ok {
		t.Fatal("e0's timer t2 was deleted by its second step, but is there")
	}
	if _, ok := timers[e2+"/t"]; ok {
		t.Fatal("the finished execution e2 still has a timer")
	}
	equal(t, "e3 timer t", timers[e3+"/t"], t0.Add(2*time.Minute).Truncate(time.Second))

	leased := must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "me", Now: t0, Until: t0.Add(time.Minute), Limit: 1000})).get(t)
	var owners []string
	for _, d := range leased {
		owners = append(owners, d.ExecutionARN)
	}
	sort.Strings(owners)
	equal(t, "dispatches", len(owners), n-2)
	for _, arn := range owners {
		if arn == e1 || arn == e2 {
			t.Fatalf("dispatch of %s should be gone", arn)
		}
	}
	for token, want := range map[string]store.TaskTokenStatus{"tok-00": store.TaskTokenOpen, "tok-01": store.TaskTokenClosed, "tok-02": store.TaskTokenClosed} {
		got := must(s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: token})).get(t)
		equal(t, token+" status", got.Status, want)
	}
}

// A store that commits starts and steps together writes both, or neither when one is bad.
func testExecutionCommitBatch(t *testing.T, s store.Store) {
	batcher, ok := s.(interface {
		ExecutionCommitBatch(ctx context.Context, creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) ([]*store.Execution, []error, []error, error)
	})
	if !ok {
		t.Skip("the store has no ExecutionCommitBatch")
	}
	old := createExecution(t, s, "old", 0)
	start := func(name string, events ...*sfn.HistoryEvent) *store.ExecutionCreateParams {
		return &store.ExecutionCreateParams{ARN: executionARN(name), StateMachineARN: machineARN, Name: name,
			Type: sfn.TypeStandard, Input: "{}", StartDate: t0, Snapshot: []byte("s1"), Events: events,
			Timers: []*store.TimerAdd{{TimerID: "w", FireAt: t0}}}
	}
	created, createErrs, stepErrs, err := batcher.ExecutionCommitBatch(ctx,
		[]*store.ExecutionCreateParams{start("new", event(1, sfn.EventExecutionStarted)), start("old")},
		[]*store.ExecutionStepParams{{ExecutionARN: old.ARN, ExpectedVersion: 1, Events: []*sfn.HistoryEvent{event(2, sfn.EventPassStateEntered)}}})
	check(t, err)
	equal(t, "created", created[0].ARN, executionARN("new"))
	if created[1] != nil || !errors.Is(createErrs[1], store.ErrAlreadyExists) || createErrs[0] != nil {
		t.Fatalf("creates: %v %v, want the second refused as existing", created, createErrs)
	}
	equal(t, "step errors", stepErrs, []error{nil})
	equal(t, "old events", len(history(t, s, old.ARN)), 2)
	equal(t, "new events", len(history(t, s, executionARN("new"))), 1)
	equal(t, "new timer", len(dueTimers(t, s)), 1)

	// A step that repeats an event id rolls back the starts of its batch too.
	_, _, _, err = batcher.ExecutionCommitBatch(ctx,
		[]*store.ExecutionCreateParams{start("newer", event(1, sfn.EventExecutionStarted))},
		[]*store.ExecutionStepParams{{ExecutionARN: old.ARN, ExpectedVersion: 2, Events: []*sfn.HistoryEvent{event(2, sfn.EventPassStateEntered)}}})
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("got %v, want the repeated event refused", err)
	}
	_, err = s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: executionARN("newer")})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the start of a rolled-back batch was kept: %v", err)
	}
}

func dueTimers(t *testing.T, s store.Store) []*store.Timer {
	t.Helper()
	return must(s.TimerListDue(ctx, &store.TimerListDueParams{Now: t0.Add(1000 * time.Hour)})).get(t)
}

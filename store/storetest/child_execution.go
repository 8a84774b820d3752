package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

const mapRunARN = "arn:aws:states:us-east-1:123456789012:mapRun:Orders/Fan:0f2b7c4e-1111-4222-8333-444455556666"

func childARN(i int) string {
	return fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:Orders/Fan:00000000-0000-4000-8000-%012d", i)
}

// childStart is the write of a step that starts child i at second startSecond.
func childStart(i, startSecond int) *store.ChildExecutionWrite {
	return &store.ChildExecutionWrite{ARN: childARN(i), Name: childARN(i)[len(childARN(i))-36:], MapRunARN: mapRunARN,
		StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:Orders/Fan", Index: i, ItemCount: 1, Type: sfn.TypeStandard,
		Started: true, Input: fmt.Sprintf(`{"item":%d}`, i), StartDate: at(startSecond), Status: sfn.StatusRunning,
		Events: []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted), event(2, sfn.EventPassStateEntered)}}
}

// childEnd is the write of a later step that ends child i with status.
func childEnd(i int, status sfn.ExecutionStatus, stopSecond int) *store.ChildExecutionWrite {
	w := childStart(i, 0)
	w.Started, w.Input, w.Status, w.StopDate = false, "", status, ptr(at(stopSecond))
	w.Events = []*sfn.HistoryEvent{event(3, sfn.EventPassStateExited), event(4, sfn.EventExecutionSucceeded)}
	if status == sfn.StatusSucceeded {
		w.Output = ptr(`"ok"`)
	} else {
		w.Error, w.Cause = "Boom", "it broke"
		w.Events[1] = event(4, sfn.EventExecutionFailed)
	}
	return w
}

func childPages(t *testing.T, s store.Store, p store.ChildExecutionListParams) (pages [][]int) {
	t.Helper()
	for {
		res := must(s.ChildExecutionList(ctx, &p)).get(t)
		var page []int
		for _, c := range res.Children {
			page = append(page, c.Index)
		}
		pages = append(pages, page)
		if res.NextToken == "" {
			return pages
		}
		p.NextToken = res.NextToken
	}
}

func testChildExecution(t *testing.T, s store.Store) {
	// The parent's first step starts children 0 and 1, a later step ends 0 and starts 2 and 3.
	parent := must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN: executionARN("parent"), StateMachineARN: machineARN, Name: "parent", Type: sfn.TypeStandard, Input: `[]`,
		StartDate: t0, Snapshot: []byte("s1"), Events: []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted)},
		Children: []*store.ChildExecutionWrite{childStart(0, 1), childStart(1, 1)},
	})).get(t)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: parent.ARN, ExpectedVersion: 1, Snapshot: []byte("s2"),
		Children: []*store.ChildExecutionWrite{childEnd(0, sfn.StatusSucceeded, 5), childStart(2, 5), childStart(3, 6)}}))
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: parent.ARN, ExpectedVersion: 2, Snapshot: []byte("s3"),
		Children: []*store.ChildExecutionWrite{childEnd(1, sfn.StatusFailed, 7)}}))

	got := must(s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: childARN(0)})).get(t)
	equal(t, "child 0", got, &store.ChildExecution{ARN: childARN(0), Name: childARN(0)[len(childARN(0))-36:], MapRunARN: mapRunARN,
		ParentARN: parent.ARN, StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:Orders/Fan", Index: 0, ItemCount: 1,
		Type: sfn.TypeStandard, Status: sfn.StatusSucceeded, Input: `{"item":0}`, Output: ptr(`"ok"`), StartDate: at(1), StopDate: ptr(at(5))})
	failed := must(s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: childARN(1)})).get(t)
	equal(t, "failed child", []string{string(failed.Status), failed.Error, failed.Cause, failed.Input}, []string{"FAILED", "Boom", "it broke", `{"item":1}`})

	_, err := s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: childARN(9)})
	wantError(t, err, "execution "+childARN(9)+" does not exist")
	_, err = s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: childARN(0)})
	wantError(t, err, "execution "+childARN(0)+" does not exist")

	// Children are not executions: not listed with their parent's machine, not running work.
	listed := must(s.ExecutionList(ctx, &store.ExecutionListParams{})).get(t).Executions
	equal(t, "executions", len(listed), 1)
	running := must(s.ExecutionList(ctx, &store.ExecutionListParams{Status: sfn.StatusRunning})).get(t).Executions
	equal(t, "running executions", len(running), 1)

	// Newest first, then by index; pages and a status filter.
	equal(t, "children", childPages(t, s, store.ChildExecutionListParams{MapRunARN: mapRunARN}), [][]int{{3, 2, 1, 0}})
	equal(t, "pages of 3", childPages(t, s, store.ChildExecutionListParams{MapRunARN: mapRunARN, MaxResults: 3}), [][]int{{3, 2, 1}, {0}})
	equal(t, "pages of 1", childPages(t, s, store.ChildExecutionListParams{MapRunARN: mapRunARN, MaxResults: 1}), [][]int{{3}, {2}, {1}, {0}})
	equal(t, "running", childPages(t, s, store.ChildExecutionListParams{MapRunARN: mapRunARN, Status: sfn.StatusRunning}), [][]int{{3, 2}})
	equal(t, "failed", childPages(t, s, store.ChildExecutionListParams{MapRunARN: mapRunARN, Status: sfn.StatusFailed}), [][]int{{1}})
	equal(t, "other run", childPages(t, s, store.ChildExecutionListParams{MapRunARN: mapRunARN + "x"}), [][]int{nil})
	first := must(s.ChildExecutionList(ctx, &store.ChildExecutionListParams{MapRunARN: mapRunARN, MaxResults: 1})).get(t)
	_, err = s.ChildExecutionList(ctx, &store.ChildExecutionListParams{MapRunARN: mapRunARN + "x", NextToken: first.NextToken})
	if err == nil {
		t.Fatal("a page token of another run was accepted")
	}

	// Each child's history, in both orders and in pages.
	var ids []int64
	for _, ev := range must(s.ChildHistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: childARN(0)})).get(t).Events {
		ids = append(ids, ev.ID)
	}
	equal(t, "child history", ids, []int64{1, 2, 3, 4})
	h := must(s.ChildHistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: childARN(0)})).get(t).Events
	equal(t, "child events", h, []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted), event(2, sfn.EventPassStateEntered),
		event(3, sfn.EventPassStateExited), event(4, sfn.EventExecutionSucceeded)})
	var pages [][]int64
	p := store.HistoryEventListParams{ExecutionARN: childARN(1), ReverseOrder: true, MaxResults: 3}
	for {
		res := must(s.ChildHistoryEventList(ctx, &p)).get(t)
		var page []int64
		for _, ev := range res.Events {
			page = append(page, ev.ID)
		}
		pages = append(pages, page)
		if res.NextToken == "" {
			break
		}
		p.NextToken = res.NextToken
	}
	equal(t, "reverse pages", pages, [][]int64{{4, 3, 2}, {1}})
	_, err = s.ChildHistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: childARN(9)})
	wantError(t, err, "execution "+childARN(9)+" does not exist")
	equal(t, "parent history", len(history(t, s, parent.ARN)), 1)

	// A child's events are written with the step: a step refused writes none of them.
	err = s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: parent.ARN, ExpectedVersion: 1,
		Children: []*store.ChildExecutionWrite{childStart(7, 9)}})
	var conflict *store.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("stale step: %v", err)
	}
	_, err = s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: childARN(7)})
	wantError(t, err, "execution "+childARN(7)+" does not exist")

	// Retention deletes the children with their parent.
	stop := t0.Add(time.Hour)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: parent.ARN, ExpectedVersion: 3,
		Update:   &store.ExecutionUpdate{Status: sfn.StatusSucceeded, Output: ptr("[]"), StopDate: &stop},
		Children: []*store.ChildExecutionWrite{childEnd(2, sfn.StatusSucceeded, 10), childEnd(3, sfn.StatusSucceeded, 10)}}))
	n := must(s.ExecutionDeleteFinishedBefore(ctx, &store.ExecutionDeleteFinishedBeforeParams{Before: t0.Add(2 * time.Hour)})).get(t)
	equal(t, "deleted", n, 1)
	for i := range 4 {
		_, err = s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: childARN(i)})
		wantError(t, err, "execution "+childARN(i)+" does not exist")
		_, err = s.ChildHistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: childARN(i)})
		wantError(t, err, "execution "+childARN(i)+" does not exist")
	}
}

// testChildExecutionRetentionChunks: retention deletes a parent's children however many it
// has (they go in transactions of a bounded size before the parent's own).
func testChildExecutionRetentionChunks(t *testing.T, s store.Store) {
	const n = 450
	children := make([]*store.ChildExecutionWrite, n)
	for i := range n {
		children[i] = childEnd(i, sfn.StatusSucceeded, 2)
		children[i].Started, children[i].Input = true, "{}"
	}
	stop := t0.Add(time.Minute)
	must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN: executionARN("parent"), StateMachineARN: machineARN, Name: "parent", Type: sfn.TypeStandard, Input: `[]`,
		StartDate: t0, Status: sfn.StatusSucceeded, Output: ptr("[]"), StopDate: &stop, Snapshot: []byte("s1"),
		Events: []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted)}, Children: children,
	})).get(t)
	must(s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: childARN(n - 1)})).get(t)
	deleted := must(s.ExecutionDeleteFinishedBefore(ctx, &store.ExecutionDeleteFinishedBeforeParams{Before: t0.Add(time.Hour)})).get(t)
	equal(t, "deleted", deleted, 1)
	for _, i := range []int{0, 199, 200, n - 1} {
		_, err := s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: childARN(i)})
		wantError(t, err, "execution "+childARN(i)+" does not exist")
		_, err = s.ChildHistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: childARN(i)})
		wantError(t, err, "execution "+childARN(i)+" does not exist")
	}
}

// testChildExecutionRedriveFilter: the redrive filter is applied by the query, so pages stay full.
func testChildExecutionRedriveFilter(t *testing.T, s store.Store) {
	children := make([]*store.ChildExecutionWrite, 6)
	for i := range children {
		children[i] = childStart(i, i+1)
		if i%2 == 1 {
			children[i].RedriveCount, children[i].RedriveDate = 1, ptr(at(i+2))
		}
	}
	must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN: executionARN("parent"), StateMachineARN: machineARN, Name: "parent", Type: sfn.TypeStandard, Input: `[]`,
		StartDate: t0, Snapshot: []byte("s1"), Events: []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted)}, Children: children,
	})).get(t)
	yes, no := true, false
	equal(t, "redriven, pages of 2", fmt.Sprint(childPages(t, s, store.ChildExecutionListParams{MapRunARN: mapRunARN, Redriven: &yes, MaxResults: 2})),
		fmt.Sprint([][]int{{5, 3}, {1}}))
	equal(t, "not redriven, pages of 2", fmt.Sprint(childPages(t, s, store.ChildExecutionListParams{MapRunARN: mapRunARN, Redriven: &no, MaxResults: 2})),
		fmt.Sprint([][]int{{4, 2}, {0}}))
}

// testChildExecutionInOneBatch: a child started by one step and ended by the next step of
// its parent, both in one batch, reads back as if the two were committed one by one (the
// store writes it once).
func testChildExecutionInOneBatch(t *testing.T, s store.Store) {
	batcher, ok := s.(interface {
		ExecutionCommitBatch(ctx context.Context, creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) ([]*store.Execution, []error, []error, error)
	})
	if !ok {
		t.Skip("the store has no ExecutionCommitBatch")
	}
	parent := createExecution(t, s, "parent", 0)
	_, _, stepErrs, err := batcher.ExecutionCommitBatch(ctx, nil, []*store.ExecutionStepParams{
		{ExecutionARN: parent.ARN, ExpectedVersion: 1, Snapshot: []byte("s2"), Children: []*store.ChildExecutionWrite{childStart(0, 1), childStart(1, 1)}},
		{ExecutionARN: parent.ARN, ExpectedVersion: 2, Snapshot: []byte("s3"), Children: []*store.ChildExecutionWrite{childEnd(0, sfn.StatusFailed, 3)}},
		{ExecutionARN: parent.ARN, ExpectedVersion: 3, Snapshot: []byte("s4"), Children: []*store.ChildExecutionWrite{childEnd(1, sfn.StatusSucceeded, 4)}},
	})
	check(t, err)
	equal(t, "step errors", stepErrs, []error{nil, nil, nil})
	got := must(s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: childARN(0)})).get(t)
	equal(t, "child 0", got, &store.ChildExecution{ARN: childARN(0), Name: childARN(0)[len(childARN(0))-36:], MapRunARN: mapRunARN,
		ParentARN: parent.ARN, StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:Orders/Fan", Index: 0, ItemCount: 1,
		Type: sfn.TypeStandard, Status: sfn.StatusFailed, Input: `{"item":0}`, Error: "Boom", Cause: "it broke", StartDate: at(1), StopDate: ptr(at(3))})
	for i, last := range []sfn.EventType{sfn.EventExecutionFailed, sfn.EventExecutionSucceeded} {
		h := must(s.ChildHistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: childARN(i)})).get(t).Events
		equal(t, fmt.Sprintf("child %d events", i), h, []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted), event(2, sfn.EventPassStateEntered),
			event(3, sfn.EventPassStateExited), event(4, last)})
		var ids []int64
		p := store.HistoryEventListParams{ExecutionARN: childARN(i), ReverseOrder: true, MaxResults: 3}
		for {
			res := must(s.ChildHistoryEventList(ctx, &p)).get(t)
			for _, ev := range res.Events {
				ids = append(ids, ev.ID)
			}
			if res.NextToken == "" {
				break
			}
			p.NextToken = res.NextToken
		}
		equal(t, fmt.Sprintf("child %d reverse", i), ids, []int64{4, 3, 2, 1})
	}
	equal(t, "children", childPages(t, s, store.ChildExecutionListParams{MapRunARN: mapRunARN, Status: sfn.StatusSucceeded}), [][]int{{1}})
}

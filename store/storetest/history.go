package storetest

import (
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func testHistoryEventList(t *testing.T, s store.Store) {
	exec := createExecution(t, s, "e1", 0)
	other := createExecution(t, s, "e2", 0)
	want := []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted)}
	for v := int64(1); v <= 3; v++ {
		events := []*sfn.HistoryEvent{event(2*v, sfn.EventPassStateEntered), event(2*v+1, sfn.EventPassStateExited)}
		check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: v, Events: events}))
		want = append(want, events...)
	}
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: other.ARN, ExpectedVersion: 1,
		Events: []*sfn.HistoryEvent{event(2, sfn.EventPassStateEntered)}}))

	ids := func(reverse bool, size int) (pages [][]int64) {
		t.Helper()
		p := &store.HistoryEventListParams{ExecutionARN: exec.ARN, ReverseOrder: reverse, MaxResults: size}
		for {
			page := must(s.HistoryEventList(ctx, p)).get(t)
			var ids []int64
			for _, ev := range page.Events {
				ids = append(ids, ev.ID)
			}
			pages = append(pages, ids)
			if p.NextToken = page.NextToken; p.NextToken == "" {
				return pages
			}
		}
	}
	for _, tc := range []struct {
		name    string
		reverse bool
		size    int
		want    [][]int64
	}{
		{"forward, pages of 3", false, 3, [][]int64{{1, 2, 3}, {4, 5, 6}, {7}}},
		{"reverse, pages of 3", true, 3, [][]int64{{7, 6, 5}, {4, 3, 2}, {1}}},
		{"forward, exact fit", false, 7, [][]int64{{1, 2, 3, 4, 5, 6, 7}}},
		{"reverse, default size", true, 0, [][]int64{{7, 6, 5, 4, 3, 2, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			equal(t, "pages", ids(tc.reverse, tc.size), tc.want)
		})
	}
	equal(t, "events", history(t, s, exec.ARN), want)

	forward := must(s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: exec.ARN, MaxResults: 1})).get(t)
	_, err := s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: exec.ARN, ReverseOrder: true, NextToken: forward.NextToken})
	wantError(t, err, "list history of execution "+exec.ARN+": invalid page token")
	_, err = s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: other.ARN, NextToken: forward.NextToken})
	wantError(t, err, "list history of execution "+other.ARN+": invalid page token")
}

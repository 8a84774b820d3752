package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// passEvents makes the events from..to of Pass states, entered and exited in turn.
func passEvents(from, to int64) []*sfn.HistoryEvent {
	var events []*sfn.HistoryEvent
	for id := from; id <= to; id++ {
		typ := sfn.EventPassStateEntered
		if id%2 == 1 {
			typ = sfn.EventPassStateExited
		}
		events = append(events, event(id, typ))
	}
	return events
}

// Histories of long steps, steps with gaps between ids and steps batched together page the
// same whatever the page size and direction.
func testHistoryEventListLong(t *testing.T, s store.Store) {
	exec := createExecution(t, s, "long", 0)
	want := []int64{1}
	add := func(version int64, events []*sfn.HistoryEvent) *store.ExecutionStepParams {
		for _, ev := range events {
			want = append(want, ev.ID)
		}
		return &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: version, Events: events}
	}
	check(t, s.ExecutionStep(ctx, add(1, passEvents(2, 700))))
	gaps := append(passEvents(701, 702), passEvents(710, 711)...)
	check(t, s.ExecutionStep(ctx, add(2, append(gaps, passEvents(705, 706)...))))
	errs, err := s.ExecutionStepBatch(ctx, []*store.ExecutionStepParams{add(3, passEvents(712, 713)), add(4, passEvents(714, 714))})
	check(t, err)
	check(t, errors.Join(errs...))
	slices.Sort(want) // the history is in id order, whatever order a step gave its events in

	for _, size := range []int{1, 3, 100, 128, 129, 1000} {
		for _, reverse := range []bool{false, true} {
			t.Run(fmt.Sprintf("size %d reverse %v", size, reverse), func(t *testing.T) {
				p := &store.HistoryEventListParams{ExecutionARN: exec.ARN, ReverseOrder: reverse, MaxResults: size}
				var got []int64
				for pages := 0; ; pages++ {
					page := must(s.HistoryEventList(ctx, p)).get(t)
					if len(page.Events) > size || len(page.Events) < size && page.NextToken != "" {
						t.Fatalf("page %d has %d events, want %d", pages, len(page.Events), size)
					}
					for _, ev := range page.Events {
						got = append(got, ev.ID)
					}
					if p.NextToken = page.NextToken; p.NextToken == "" {
						break
					}
				}
				expected := want
				if reverse {
					expected = make([]int64, len(want))
					for i, id := range want {
						expected[len(want)-1-i] = id
					}
				}
				equal(t, "ids", got, expected)
			})
		}
	}
	page := must(s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: exec.ARN, MaxResults: 2})).get(t)
	equal(t, "first events", page.Events, []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted), event(2, sfn.EventPassStateEntered)})
}

// An event id the history has is refused however the steps that repeat it are cut: the same
// run again, a run that overlaps one end of a stored run, one inside it, or two steps of one
// batch that overlap each other.
func testHistoryEventDuplicate(t *testing.T, s store.Store) {
	exec := createExecution(t, s, "dup", 0)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: 1, Events: passEvents(2, 9)}))
	for _, tc := range []struct {
		name  string
		steps [][]*sfn.HistoryEvent
		want  int64
	}{
		{"same run", [][]*sfn.HistoryEvent{passEvents(2, 9)}, 2},
		{"overlaps the end", [][]*sfn.HistoryEvent{passEvents(9, 12)}, 9},
		{"overlaps the start", [][]*sfn.HistoryEvent{passEvents(0, 2)}, 1},
		{"inside", [][]*sfn.HistoryEvent{passEvents(4, 5)}, 4},
		{"around", [][]*sfn.HistoryEvent{passEvents(0, 20)}, 1},
		{"after a gap", [][]*sfn.HistoryEvent{append(passEvents(12, 13), event(8, sfn.EventPassStateEntered))}, 8},
		{"two steps of one batch", [][]*sfn.HistoryEvent{passEvents(10, 12), passEvents(12, 13)}, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var steps []*store.ExecutionStepParams
			for i, events := range tc.steps {
				steps = append(steps, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: int64(2 + i), Events: events})
			}
			errs, err := s.ExecutionStepBatch(ctx, steps)
			msg := "commit execution steps"
			if len(steps) == 1 {
				msg = "commit step of execution " + exec.ARN
			}
			wantError(t, err, fmt.Sprintf("%s: execution %s: history event %d already exists", msg, exec.ARN, tc.want))
			if errs != nil || !errors.Is(err, store.ErrAlreadyExists) {
				t.Fatalf("got %v, %v: want no per-step errors and ErrAlreadyExists", errs, err)
			}
			equal(t, "history", len(history(t, s, exec.ARN)), 9)
		})
	}
}

// ExecutionCreateBatcher is implemented by stores that create many executions in one
// transaction (the engine batches starts through it).
type ExecutionCreateBatcher interface {
	ExecutionCreateBatch(ctx context.Context, params []*store.ExecutionCreateParams) (created []*store.Execution, errs []error, err error)
}

func testExecutionCreateBatch(t *testing.T, s store.Store) {
	b, ok := s.(ExecutionCreateBatcher)
	if !ok {
		t.Skip("the store does not batch creates")
	}
	taken := createExecution(t, s, "taken", 0)
	params := func(name string, events ...*sfn.HistoryEvent) *store.ExecutionCreateParams {
		return &store.ExecutionCreateParams{ARN: executionARN(name), StateMachineARN: machineARN, Name: name,
			Type: sfn.TypeStandard, Input: `{"n":1}`, StartDate: t0, Snapshot: []byte("s"), Events: events,
			Timers: []*store.TimerAdd{{TimerID: "t", FireAt: t0}}}
	}
	created, errs, err := b.ExecutionCreateBatch(ctx, []*store.ExecutionCreateParams{
		params("b1", passEvents(1, 3)...), params("taken", passEvents(1, 1)...), params("b2", passEvents(1, 2)...),
		params("b1", passEvents(1, 1)...),
	})
	check(t, err)
	equal(t, "errors", fmt.Sprint(errs), fmt.Sprint([]error{nil,
		&store.AlreadyExistsError{Resource: store.ResourceExecution, Key: taken.ARN}, nil,
		&store.AlreadyExistsError{Resource: store.ResourceExecution, Key: executionARN("b1")}}))
	for i, name := range []string{"b1", "", "b2", ""} {
		if name == "" {
			equal(t, "refused start's record", created[i], (*store.Execution)(nil))
			continue
		}
		equal(t, "created "+name, created[i], must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: executionARN(name)})).get(t))
	}
	equal(t, "b1 history", history(t, s, executionARN("b1")), passEvents(1, 3))
	equal(t, "b2 history", history(t, s, executionARN("b2")), passEvents(1, 2))
	equal(t, "taken history", len(history(t, s, taken.ARN)), 1)
	equal(t, "timers", len(must(s.TimerListDue(ctx, &store.TimerListDueParams{Now: t0})).get(t)), 2)

	_, errs, err = b.ExecutionCreateBatch(ctx, []*store.ExecutionCreateParams{
		params("b3", passEvents(1, 1)...), params("b4", append(passEvents(1, 2), passEvents(2, 2)...)...)})
	wantError(t, err, "create executions: execution "+executionARN("b4")+": history event 2 already exists")
	if errs != nil || !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("got %v, %v: want no per-start errors and ErrAlreadyExists", errs, err)
	}
	_, err = s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: executionARN("b3")})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("b3 after a failed batch: got %v, want ErrNotFound", err)
	}
	created, errs, err = b.ExecutionCreateBatch(ctx, nil)
	check(t, err)
	equal(t, "empty batch", len(created)+len(errs), 0)
}

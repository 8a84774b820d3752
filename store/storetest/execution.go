package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// event makes a history event; every third carries a payload so JSON round trips are checked.
func event(id int64, typ sfn.EventType) *sfn.HistoryEvent {
	ev := &sfn.HistoryEvent{Timestamp: at(int(id)), Type: typ, ID: id, PreviousEventID: id - 1}
	switch typ {
	case sfn.EventExecutionStarted:
		ev.ExecutionStartedEventDetails = &sfn.ExecutionStartedDetails{
			// a value as the engine holds it, keys in order, as a store gives it back
			Input: &sfn.Payload{Value: jsonvalue.ObjectOf("n", float64(1), "a", json.Number("9007199254740993"))}, InputDetails: &sfn.Truncation{},
			RoleArn: "arn:aws:iam::123456789012:role/r",
		}
	case sfn.EventPassStateEntered:
		ev.StateEnteredEventDetails = &sfn.StateEnteredDetails{Name: fmt.Sprintf("S%d", id),
			Input: &sfn.Payload{Value: []any{"x", true, nil}}, InputDetails: &sfn.Truncation{}}
	case sfn.EventPassStateExited:
		ev.StateExitedEventDetails = &sfn.StateExitedDetails{Name: fmt.Sprintf("S%d", id-1),
			Output: &sfn.Payload{Value: "done"}, OutputDetails: &sfn.Truncation{}}
	}
	return ev
}

func createExecution(t *testing.T, s store.Store, name string, startSecond int) *store.Execution {
	t.Helper()
	return must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN:             executionARN(name),
		StateMachineARN: machineARN,
		Name:            name,
		Type:            sfn.TypeStandard,
		Input:           `{"n":1}`,
		StartDate:       t0.Add(time.Duration(startSecond) * time.Second),
		Snapshot:        []byte("snapshot-1"),
		Events:          []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted)},
	})).get(t)
}

func history(t *testing.T, s store.Store, arn string) []*sfn.HistoryEvent {
	t.Helper()
	return must(s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: arn, MaxResults: store.MaxPageSize})).get(t).Events
}

func testExecutionCreate(t *testing.T, s store.Store) {
	exec := must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN:                    executionARN("e1"),
		StateMachineARN:        machineARN,
		StateMachineVersionARN: machineARN + ":1",
		StateMachineAliasARN:   machineARN + ":live",
		Name:                   "e1",
		Type:                   sfn.TypeStandard,
		Input:                  `{"n":1}`,
		StartDate:              t0,
		TraceHeader:            "Root=1-abc",
		Snapshot:               []byte{0, 1, 2, 255},
		Events:                 []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted), event(2, sfn.EventPassStateEntered)},
		Timers:                 []*store.TimerAdd{{TimerID: "timeout", FireAt: t0.Add(time.Hour)}},
		Dispatches:             []*store.DispatchAdd{{TaskID: "t1", Resource: "arn:r", Input: `{}`, CreatedDate: t0}},
		TaskTokens:             []*store.TaskTokenAdd{{Token: "tok-e1", TaskID: "t1", CreatedDate: t0}},
	})).get(t)
	want := &store.Execution{
		ARN:                    executionARN("e1"),
		StateMachineARN:        machineARN,
		StateMachineVersionARN: machineARN + ":1",
		StateMachineAliasARN:   machineARN + ":live",
		Name:                   "e1",
		Type:                   sfn.TypeStandard,
		Status:                 sfn.StatusRunning,
		Input:                  `{"n":1}`,
		StartDate:              at(0),
		TraceHeader:            "Root=1-abc",
		Version:                1,
	}
	equal(t, "created", exec, want)
	equal(t, "got", must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: exec.ARN})).get(t), want)
	equal(t, "snapshot", must(s.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: exec.ARN})).get(t),
		&store.ExecutionSnapshot{ExecutionARN: exec.ARN, Version: 1, Status: sfn.StatusRunning, Input: `{"n":1}`, Snapshot: []byte{0, 1, 2, 255}})
	equal(t, "history", history(t, s, exec.ARN),
		[]*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted), event(2, sfn.EventPassStateEntered)})
	equal(t, "timers", must(s.TimerListDue(ctx, &store.TimerListDueParams{Now: t0.Add(time.Hour)})).get(t),
		[]*store.Timer{{ExecutionARN: exec.ARN, TimerID: "timeout", FireAt: store.Stamp(t0.Add(time.Hour))}})
	equal(t, "dispatches", len(must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "w", Now: t0, Until: t0.Add(time.Minute)})).get(t)), 1)
	equal(t, "token", must(s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: "tok-e1"})).get(t).Status, store.TaskTokenOpen)

	_, err := s.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: exec.ARN, StateMachineARN: machineARN, Name: "e1", StartDate: t0})
	wantError(t, err, "execution "+exec.ARN+" already exists")
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("errors.Is(%v, ErrAlreadyExists) = false", err)
	}

	missing := executionARN("missing")
	_, err = s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: missing})
	wantError(t, err, "execution "+missing+" does not exist")
	_, err = s.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: missing})
	wantError(t, err, "execution "+missing+" does not exist")
	_, err = s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: missing})
	wantError(t, err, "execution "+missing+" does not exist")
}

// testExecutionListTies lists executions that started at the same time: the one created
// last comes first, and pages split between them lose and repeat none.
func testExecutionListTies(t *testing.T, s store.Store) {
	for _, name := range []string{"z", "a", "m", "b"} {
		createExecution(t, s, name, 7)
	}
	equal(t, "pages", listedNames(t, s, store.ExecutionListParams{MaxResults: 3}), [][]string{{"b", "m", "a"}, {"z"}})
}

// listedNames lists executions page by page and returns each page's execution names.
func listedNames(t *testing.T, s store.Store, p store.ExecutionListParams) (pages [][]string) {
	t.Helper()
	for {
		page := must(s.ExecutionList(ctx, &p)).get(t)
		var names []string
		for _, e := range page.Executions {
			names = append(names, e.Name)
		}
		pages = append(pages, names)
		if p.NextToken = page.NextToken; p.NextToken == "" {
			return pages
		}
	}
}

func testExecutionList(t *testing.T, s store.Store) {
	// Five executions of machineARN started one second apart, two of them finished, and one
	// of another machine.
	for i := range 5 {
		createExecution(t, s, fmt.Sprintf("e%d", i), i)
	}
	for _, name := range []string{"e1", "e3"} {
		check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{
			ExecutionARN: executionARN(name), ExpectedVersion: 1,
			Update: &store.ExecutionUpdate{Status: sfn.StatusSucceeded, Output: ptr(`"ok"`), StopDate: ptr(t0.Add(time.Minute))},
		}))
	}
	must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN: "arn:aws:states:us-east-1:123456789012:execution:Billing:b", StateMachineARN: otherARN, Name: "b",
		Type: sfn.TypeStandard, Input: "{}", StartDate: t0.Add(10 * time.Second),
	})).get(t)

	for _, tc := range []struct {
		name   string
		params store.ExecutionListParams
		want   [][]string
	}{
		{"all", store.ExecutionListParams{}, [][]string{{"b", "e4", "e3", "e2", "e1", "e0"}}},
		{"by machine, pages of 2", store.ExecutionListParams{StateMachineARN: machineARN, MaxResults: 2},
			[][]string{{"e4", "e3"}, {"e2", "e1"}, {"e0"}}},
		{"running, pages of 2", store.ExecutionListParams{Status: sfn.StatusRunning, MaxResults: 2},
			[][]string{{"b", "e4"}, {"e2", "e0"}}},
		{"succeeded of machine", store.ExecutionListParams{StateMachineARN: machineARN, Status: sfn.StatusSucceeded},
			[][]string{{"e3", "e1"}}},
		{"none", store.ExecutionListParams{Status: sfn.StatusAborted}, [][]string{nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			equal(t, "pages", listedNames(t, s, tc.params), tc.want)
		})
	}
	got := must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: executionARN("e3")})).get(t)
	equal(t, "finished execution", got, &store.Execution{
		ARN: executionARN("e3"), StateMachineARN: machineARN, Name: "e3", Type: sfn.TypeStandard,
		Status: sfn.StatusSucceeded, Input: `{"n":1}`, Output: ptr(`"ok"`), StartDate: at(3),
		StopDate: ptr(at(60)), Version: 2,
	})
	_, err := s.ExecutionList(ctx, &store.ExecutionListParams{NextToken: "bm90IGEgdG9rZW4"})
	wantError(t, err, "list executions: invalid page token")
}

func testExecutionStep(t *testing.T, s store.Store) {
	exec := createExecution(t, s, "e1", 0)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{
		ExecutionARN:    exec.ARN,
		ExpectedVersion: 1,
		Snapshot:        []byte("snapshot-2"),
		Events:          []*sfn.HistoryEvent{event(2, sfn.EventPassStateEntered), event(3, sfn.EventPassStateExited)},
		TimersAdd:       []*store.TimerAdd{{TimerID: "wait", FireAt: t0.Add(time.Minute)}},
	}))
	equal(t, "snapshot", must(s.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: exec.ARN})).get(t),
		&store.ExecutionSnapshot{ExecutionARN: exec.ARN, Version: 2, Status: sfn.StatusRunning, Input: `{"n":1}`, Snapshot: []byte("snapshot-2")})
	equal(t, "history", history(t, s, exec.ARN), []*sfn.HistoryEvent{
		event(1, sfn.EventExecutionStarted), event(2, sfn.EventPassStateEntered), event(3, sfn.EventPassStateExited)})
	got := must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: exec.ARN})).get(t)
	exec.Version = 2
	equal(t, "execution (status fields kept without Update)", got, exec)

	// A redrive: a terminal execution goes back to running with its count and date.
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: 2,
		Update: &store.ExecutionUpdate{Status: sfn.StatusFailed, Error: "States.TaskFailed", Cause: "boom", StopDate: ptr(t0.Add(time.Minute))}}))
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: 3,
		Events: []*sfn.HistoryEvent{event(4, sfn.EventExecutionRedriven)},
		Update: &store.ExecutionUpdate{Status: sfn.StatusRunning, RedriveCount: 1, RedriveDate: ptr(t0.Add(time.Hour))}}))
	got = must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: exec.ARN})).get(t)
	exec.Version, exec.RedriveCount, exec.RedriveDate = 4, 1, ptr(store.Stamp(t0.Add(time.Hour)))
	equal(t, "redriven execution", got, exec)

	missing := executionARN("missing")
	err := s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: missing, ExpectedVersion: 1})
	wantError(t, err, "execution "+missing+" does not exist")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("errors.Is(%v, ErrNotFound) = false", err)
	}
}

func testExecutionStepConflict(t *testing.T, s store.Store) {
	exec := createExecution(t, s, "e1", 0)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: 1,
		Snapshot: []byte("winner"), Events: []*sfn.HistoryEvent{event(2, sfn.EventPassStateEntered)}}))

	err := s.ExecutionStep(ctx, &store.ExecutionStepParams{
		ExecutionARN: exec.ARN, ExpectedVersion: 1, Snapshot: []byte("loser"),
		Events:        []*sfn.HistoryEvent{event(3, sfn.EventPassStateExited)},
		Update:        &store.ExecutionUpdate{Status: sfn.StatusSucceeded, StopDate: ptr(t0)},
		TimersAdd:     []*store.TimerAdd{{TimerID: "t", FireAt: t0}},
		DispatchesAdd: []*store.DispatchAdd{{TaskID: "d", CreatedDate: t0}},
		TaskTokensAdd: []*store.TaskTokenAdd{{Token: "loser-token", CreatedDate: t0}},
	})
	wantError(t, err, "execution "+exec.ARN+": version conflict: expected version 1, found 2")
	var conflict *store.ConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("got %#v, want a *ConflictError", err)
	}
	equal(t, "conflict", *conflict, store.ConflictError{ExecutionARN: exec.ARN, ExpectedVersion: 1, ActualVersion: 2})

	// The losing step wrote nothing.
	equal(t, "snapshot", must(s.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: exec.ARN})).get(t).Snapshot, []byte("winner"))
	equal(t, "history length", len(history(t, s, exec.ARN)), 2)
	equal(t, "status", must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: exec.ARN})).get(t).Status, sfn.StatusRunning)
	equal(t, "timers", must(s.TimerListDue(ctx, &store.TimerListDueParams{Now: t0.Add(time.Hour)})).get(t), []*store.Timer(nil))
	equal(t, "dispatches", must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "w", Now: t0, Until: t0})).get(t), []*store.Dispatch(nil))
	_, err = s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: "loser-token"})
	wantError(t, err, "task token loser-to… does not exist")
}

func testExecutionStepTerminal(t *testing.T, s store.Store) {
	exec := createExecution(t, s, "e1", 0)
	other := createExecution(t, s, "e2", 0)
	for _, arn := range []string{exec.ARN, other.ARN} {
		check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: arn, ExpectedVersion: 1,
			TimersAdd:     []*store.TimerAdd{{TimerID: "t", FireAt: t0}},
			DispatchesAdd: []*store.DispatchAdd{{TaskID: "d", Resource: "r", Input: "{}", CreatedDate: t0}},
			TaskTokensAdd: []*store.TaskTokenAdd{{Token: "token-" + arn[len(arn)-2:], TaskID: "d", CreatedDate: t0}},
		}))
	}
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: 2,
		Events: []*sfn.HistoryEvent{event(2, sfn.EventExecutionAborted)},
		Update: &store.ExecutionUpdate{Status: sfn.StatusAborted, Error: "stop", StopDate: ptr(t0)}}))

	// The stopped execution left no timers or dispatches, and its token is closed.
	equal(t, "timers", must(s.TimerListDue(ctx, &store.TimerListDueParams{Now: t0})).get(t),
		[]*store.Timer{{ExecutionARN: other.ARN, TimerID: "t", FireAt: at(0)}})
	leased := must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "w", Now: t0, Until: t0.Add(time.Minute)})).get(t)
	equal(t, "dispatches", len(leased), 1)
	equal(t, "dispatch execution", leased[0].ExecutionARN, other.ARN)
	equal(t, "closed token", must(s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: "token-e1"})).get(t).Status, store.TaskTokenClosed)
	equal(t, "open token", must(s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: "token-e2"})).get(t).Status, store.TaskTokenOpen)
}

// An execution that ended with its first step is created ended, in one commit.
func testExecutionCreateEnded(t *testing.T, s store.Store) {
	stop := t0.Add(time.Second)
	created := must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: executionARN("ended"), StateMachineARN: machineARN,
		Name: "ended", Type: sfn.TypeStandard, Input: `{"a":1}`, StartDate: t0, Snapshot: []byte("s"),
		Status: sfn.StatusFailed, Error: "Boom", Cause: "it broke", StopDate: &stop,
		Events: []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted), event(2, sfn.EventExecutionFailed)}})).get(t)
	got := must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: created.ARN})).get(t)
	equal(t, "created record", created, got)
	equal(t, "status", got.Status, sfn.StatusFailed)
	equal(t, "error and cause", got.Error+"/"+got.Cause, "Boom/it broke")
	if got.StopDate == nil || !got.StopDate.Equal(store.Stamp(stop)) {
		t.Fatalf("stop date %v, want %v", got.StopDate, stop)
	}
	out := `{"b":2}`
	ok := must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: executionARN("done"), StateMachineARN: machineARN,
		Name: "done", Type: sfn.TypeExpress, Input: `{}`, StartDate: t0, Status: sfn.StatusSucceeded, Output: &out, StopDate: &stop})).get(t)
	got = must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: ok.ARN})).get(t)
	if got.Output == nil || *got.Output != out || got.Status != sfn.StatusSucceeded {
		t.Fatalf("succeeded record %+v, want output %s", got, out)
	}
	list := must(s.ExecutionList(ctx, &store.ExecutionListParams{Status: sfn.StatusSucceeded})).get(t)
	equal(t, "listed as succeeded", len(list.Executions), 1)
}

// testExecutionListType: recovery lists the running executions of one type (Express), and a
// store created at schema 12 or later has no executions to check after an upgrade.
func testExecutionListType(t *testing.T, s store.Store) {
	createExecution(t, s, "standard", 0)
	must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{
		ARN: executionARN("express"), StateMachineARN: machineARN, Name: "express",
		Type: sfn.TypeExpress, Input: "{}", StartDate: t0.Add(time.Second),
	})).get(t)
	for typ, want := range map[sfn.StateMachineType]string{sfn.TypeExpress: "express", sfn.TypeStandard: "standard"} {
		page := must(s.ExecutionList(ctx, &store.ExecutionListParams{Status: sfn.StatusRunning, Type: typ})).get(t)
		if len(page.Executions) != 1 || page.Executions[0].Name != want {
			t.Fatalf("running %s executions: %v, want only %s", typ, page.Executions, want)
		}
	}
	if arns := must(s.RecoveryCheckList(ctx, "", 0)).get(t); len(arns) != 0 {
		t.Fatalf("executions to check in a new store: %v", arns)
	}
	check(t, s.RecoveryCheckDelete(ctx, []string{executionARN("standard")}))
}

// Package storetest is the conformance suite every store.Store implementation passes. It
// runs on a real database: each test opens a fresh, empty store with the open function.
package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stepflow/stepflow/store"
)

// Run runs the suite. open returns a new, empty, migrated store for one test and closes it at
// the test's cleanup; tests run in parallel.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s store.Store)
	}{
		{"StateMachine", testStateMachine},
		{"StateMachineList", testStateMachineList},
		{"StateMachineVersion", testStateMachineVersion},
		{"StateMachineAlias", testStateMachineAlias},
		{"StateMachineDelete", testStateMachineDelete},
		{"Tag", testTag},
		{"Activity", testActivity},
		{"ExecutionCreate", testExecutionCreate},
		{"ExecutionList", testExecutionList},
		{"ExecutionListTies", testExecutionListTies},
		{"ExecutionListType", testExecutionListType},
		{"ExecutionTimingList", testExecutionTimingList},
		{"Performance", testPerformance},
		{"ExecutionCount", testExecutionCount},
		{"ExecutionStep", testExecutionStep},
		{"ExecutionStepConflict", testExecutionStepConflict},
		{"ExecutionStepTerminal", testExecutionStepTerminal},
		{"ExecutionStepBatch", testExecutionStepBatch},
		{"ExecutionStepBatchFatal", testExecutionStepBatchFatal},
		{"ExecutionStepBatchRecords", testExecutionStepBatchRecords},
		{"ExecutionCommitBatch", testExecutionCommitBatch},
		{"ExecutionCreateEnded", testExecutionCreateEnded},
		{"ExecutionStepConcurrent", testExecutionStepConcurrent},
		{"HistoryEventList", testHistoryEventList},
		{"HistoryEventListLong", testHistoryEventListLong},
		{"HistoryEventDuplicate", testHistoryEventDuplicate},
		{"ExecutionCreateBatch", testExecutionCreateBatch},
		{"Timer", testTimer},
		{"Dispatch", testDispatch},
		{"DispatchLeaseConcurrent", testDispatchLeaseConcurrent},
		{"DispatchRenew", testDispatchRenew},
		{"DispatchRelease", testDispatchRelease},
		{"ExecutionStepFence", testExecutionStepFence},
		{"ExecutionStepBatchFences", testExecutionStepBatchFences},
		{"Definition", testDefinition},
		{"TaskToken", testTaskToken},
		{"ExecutionDeleteFinishedBefore", testExecutionDeleteFinishedBefore},
		{"ChildExecution", testChildExecution},
		{"ChildExecutionRetentionChunks", testChildExecutionRetentionChunks},
		{"ChildExecutionRedriveFilter", testChildExecutionRedriveFilter},
		{"ChildExecutionInOneBatch", testChildExecutionInOneBatch},
		{"EventBus", testEventBus},
		{"EventRule", testEventRule},
		{"EventDelivery", testEventDelivery},
		{"EventDeliveryLeaseConcurrent", testEventDeliveryLeaseConcurrent},
		{"StepEventDeliveries", testStepEventDeliveries},
		{"Principal", testPrincipal},
		{"AccessKey", testAccessKey},
		{"ScheduleGroup", testScheduleGroup},
		{"Schedule", testSchedule},
		{"ScheduleFireConcurrent", testScheduleFireConcurrent},
		{"Webhook", testWebhook},
		{"Closed", testClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, open(t))
		})
	}
}

// t0 has microseconds, the precision stores keep, and nanoseconds they drop.
var t0 = time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)

func at(seconds int) time.Time { return store.Stamp(t0.Add(time.Duration(seconds) * time.Second)) }

func ptr[T any](v T) *T { return &v }

const (
	machineARN = "arn:aws:states:us-east-1:123456789012:stateMachine:Orders"
	otherARN   = "arn:aws:states:us-east-1:123456789012:stateMachine:Billing"
)

func executionARN(name string) string {
	return "arn:aws:states:us-east-1:123456789012:execution:Orders:" + name
}

// equal fails the test unless got and want are deeply equal, showing both as JSON.
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// wantError fails the test unless err's message is exactly msg.
func wantError(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q", msg)
	}
	if err.Error() != msg {
		t.Fatalf("got error %q, want %q", err.Error(), msg)
	}
}

// must pairs a result with its error, for must(s.Method(...)).get(t).
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

// get returns the value or fails the test with the error.
func (r result[T]) get(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var ctx = context.Background()

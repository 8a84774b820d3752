package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// After Close every method fails with ErrClosed and says what it was doing.
func testClosed(t *testing.T, s store.Store) {
	exec := createExecution(t, s, "e1", 0)
	check(t, s.Close())
	check(t, s.Close()) // closing twice is harmless

	for _, tc := range []struct {
		want string
		call func() error
	}{
		{"get execution " + exec.ARN + ": store is closed", func() error {
			_, err := s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: exec.ARN})
			return err
		}},
		{"commit step of execution " + exec.ARN + ": store is closed", func() error {
			return s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: 1})
		}},
		{"list executions: store is closed", func() error {
			_, err := s.ExecutionList(ctx, &store.ExecutionListParams{})
			return err
		}},
		{"list execution timings: store is closed", func() error {
			_, err := s.ExecutionTimingList(ctx, &store.ExecutionTimingListParams{StateMachineARN: machineARN})
			return err
		}},
		{"list performance rollups: store is closed", func() error {
			_, err := s.PerformanceList(ctx, &store.PerformanceListParams{StateMachineARN: machineARN, Resolution: time.Hour})
			return err
		}},
		{"delete old performance rollups: store is closed", func() error {
			_, err := s.PerformanceDeleteBefore(ctx, &store.PerformanceDeleteBeforeParams{Before: time.Now()})
			return err
		}},
		{"count executions: store is closed", func() error {
			_, err := s.ExecutionCount(ctx, &store.ExecutionCountParams{Status: sfn.StatusRunning})
			return err
		}},
		{"create state machine " + machineARN + ": store is closed", func() error {
			_, err := s.StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: machineARN})
			return err
		}},
		{"list due timers: store is closed", func() error {
			_, err := s.TimerListDue(ctx, &store.TimerListDueParams{Now: time.Now()})
			return err
		}},
		{"lease dispatches: store is closed", func() error {
			_, err := s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "w"})
			return err
		}},
		{"list history of execution " + exec.ARN + ": store is closed", func() error {
			_, err := s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: exec.ARN})
			return err
		}},
	} {
		err := tc.call()
		wantError(t, err, tc.want)
		if !errors.Is(err, store.ErrClosed) {
			t.Fatalf("errors.Is(%v, ErrClosed) = false", err)
		}
	}
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/store"
)

// A Distributed Map run lives in its parent execution: UpdateMapRun reaches it as an event
// (interp.MapRunUpdate) delivered like a task result, and its new settings, with whatever
// iterations they started, are committed as one step before UpdateMapRun answers. A restart
// or another node thus sees them in the snapshot. DescribeMapRun reads the run from the
// latest committed snapshot.

// UpdateMapRunParams changes a running Distributed Map run; nil members keep their value.
type UpdateMapRunParams struct {
	ExecutionARN               string // the execution that runs it
	MapRunARN                  string
	MaxConcurrency             *int64
	ToleratedFailureCount      *int64
	ToleratedFailurePercentage *float64
}

// MapRunNotRunningError is UpdateMapRun's answer for a run that is not running any more:
// Status says how it ended, "" when its execution has ended or no longer knows it.
type MapRunNotRunningError struct {
	MapRunARN string
	Status    string
}

func (e *MapRunNotRunningError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("map run %s is not running", e.MapRunARN)
	}
	return fmt.Sprintf("map run %s is %s", e.MapRunARN, e.Status)
}

// UpdateMapRun applies UpdateMapRun to a running Distributed Map run of a Standard execution,
// as AWS does: from now on (see interp.MapRunUpdate).
func (e *Engine) UpdateMapRun(ctx context.Context, p *UpdateMapRunParams) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.leave()
	ev := interp.MapRunUpdate{MapRunARN: p.MapRunARN, MaxConcurrency: p.MaxConcurrency,
		ToleratedFailureCount: p.ToleratedFailureCount, ToleratedFailurePercentage: p.ToleratedFailurePercentage}
	_, err := e.deliver(ctx, p.ExecutionARN, delivery{event: ev, check: func(lx *liveExecution) error {
		run, ok := lx.ex.State().MapRun(p.MapRunARN)
		if !ok {
			return &MapRunNotRunningError{MapRunARN: p.MapRunARN}
		}
		if run.Status != interp.MapRunRunning {
			return &MapRunNotRunningError{MapRunARN: p.MapRunARN, Status: run.Status}
		}
		return nil
	}})
	if errors.Is(err, errExecutionEnded) {
		return &MapRunNotRunningError{MapRunARN: p.MapRunARN}
	}
	if err != nil {
		return fmt.Errorf("update map run %s: %w", p.MapRunARN, err)
	}
	return nil
}

// MapRun describes a Distributed Map run of an execution as its latest committed snapshot
// holds it. ok is false when the snapshot does not know the run: one of an execution
// started before runs were recorded, or one older than the runs an execution keeps.
func (e *Engine) MapRun(ctx context.Context, executionARN, mapRunARN string) (run interp.MapRunSummary, ok bool, err error) {
	snap, err := e.cfg.Store.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: executionARN})
	if err != nil {
		return run, false, fmt.Errorf("describe map run %s: %w", mapRunARN, err)
	}
	_, _, state, _, err := decodeSnapshot(snap.Snapshot)
	if err != nil {
		return run, false, fmt.Errorf("describe map run %s: %w", mapRunARN, err)
	}
	return interp.MapRunInSnapshot(state, mapRunARN)
}

// StopChildExecution stops a running Distributed Map child execution of the parent execution,
// as StopExecution of the child's ARN does on AWS: the child ends ABORTED and its Map counts
// the iteration as failed. A child that already ended is left as it is; the result is the
// stop date.
func (e *Engine) StopChildExecution(ctx context.Context, parentARN, childARN, errName, cause string) (time.Time, error) {
	if err := e.enter(); err != nil {
		return time.Time{}, err
	}
	defer e.leave()
	ev := interp.ChildStopRequested{ChildARN: childARN, Error: errName, Cause: cause}
	now, err := e.deliver(ctx, parentARN, delivery{event: ev, check: func(lx *liveExecution) error {
		if !lx.ex.RunningChild(childARN) {
			return errChildEnded
		}
		return nil
	}})
	if errors.Is(err, errExecutionEnded) || errors.Is(err, errChildEnded) {
		child, gerr := e.cfg.Store.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: childARN})
		if gerr != nil {
			return time.Time{}, fmt.Errorf("stop child execution: %w", gerr)
		}
		if child.StopDate != nil {
			return *child.StopDate, nil
		}
		return e.now(), nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("stop child execution: %w", err)
	}
	return now, nil
}

// errChildEnded says a child execution to stop is not running any more.
var errChildEnded = errors.New("child execution is not running")

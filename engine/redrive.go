package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// redrive restarts a FAILED, ABORTED or TIMED_OUT Standard execution where it stopped: the
// interpreter re-enters the states that did not succeed (interp.Execution.Redrive), and the
// step is committed like any other, setting the execution RUNNING again with its redrive
// count and date.
func (e *Engine) redrive(ctx context.Context, arn string) (time.Time, error) {
	rec, err := e.cfg.Store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})
	if err != nil {
		return time.Time{}, fmt.Errorf("redrive execution: %w", err)
	}
	if rec.Type == sfn.TypeExpress {
		return time.Time{}, &ExecutionNotRedrivableError{ExecutionARN: arn, Reason: "Express executions cannot be redriven"}
	}
	for attempt := 0; ; attempt++ {
		now, err := e.redriveOnce(ctx, arn)
		if errors.Is(err, store.ErrVersionConflict) && attempt+1 < maxStepAttempts {
			continue // someone committed in between (a late stop); look again
		}
		return now, err
	}
}

func (e *Engine) redriveOnce(ctx context.Context, arn string) (time.Time, error) {
	lx := e.liveEntry(arn)
	lx.mu.Lock()
	defer lx.mu.Unlock()

	snap, err := e.cfg.Store.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: arn})
	if err != nil {
		return time.Time{}, fmt.Errorf("redrive execution %s: %w", arn, err)
	}
	switch snap.Status {
	case sfn.StatusFailed, sfn.StatusAborted, sfn.StatusTimedOut:
	default:
		return time.Time{}, &ExecutionNotRedrivableError{ExecutionARN: arn, Reason: fmt.Sprintf("Execution is %s and cannot be redriven", snap.Status)}
	}
	ref, ex, err := e.restore(ctx, snap)
	if err != nil {
		return time.Time{}, fmt.Errorf("redrive execution %s: %w", arn, err)
	}
	now := e.now()
	step, err := ex.Redrive(now)
	var notRedrivable *interp.NotRedrivableError
	if errors.As(err, &notRedrivable) {
		return time.Time{}, &ExecutionNotRedrivableError{ExecutionARN: arn, Reason: notRedrivable.Error()}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("redrive execution %s: %w", arn, err)
	}

	lx.ref, lx.ex, lx.version, lx.done = ref, ex, snap.Version, false
	lx.tokens = map[string]string{}
	ob := &outbox{}
	e.addStep(ob, lx, step, nil, now)
	if !step.Done {
		res := ex.Result()
		ob.params.Update = &store.ExecutionUpdate{Status: sfn.StatusRunning, RedriveCount: res.RedriveCount, RedriveDate: &now}
	}
	if err := e.commitOutbox(ctx, lx, ob); err != nil {
		e.forget(lx)
		return time.Time{}, err
	}
	if e.history != nil {
		e.cfg.Metrics.ExecutionRedriven(ex.State().Info.StateMachineARN)
	}
	return now, nil
}

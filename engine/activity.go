package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// Activity tasks wait in the dispatch outbox under their activity's ARN as the queue, with
// the token next to the input (activityEnvelope). GetActivityTask leases one for good: a
// worker that took a task and died is detected by the task's own timeouts, as on AWS.
//
// A worker may instead hold a task for a while and renew the hold (HoldActivityTask), as the
// UI's inbox does for a person: when the hold runs out, or the worker gives the task back
// (ReleaseActivityTask), the task is returned to its queue, that is, the next GetActivityTask
// of the activity may take it, as if no worker had. Nothing else changes: the task keeps its
// token, its timers (TimeoutSeconds, HeartbeatSeconds) keep running, and the history keeps
// the first ActivityStarted (AWS has no event for a task given back). Its token therefore
// still answers it: whichever SendTaskSuccess or SendTaskFailure comes first completes the
// task, once, and the later one is refused as for any finished task (TaskTimedOut).

// activityPollInterval bounds how long a long-poll may miss a task queued by another node.
const activityPollInterval = time.Second

// activityLease is how long a task handed to a worker stays with it: for good, in practice.
const activityLease = 10 * 365 * 24 * time.Hour

// activityQueues wakes long-polling workers when a step queues a task for their activity.
type activityQueues struct {
	mu      sync.Mutex
	waiters map[string]chan struct{} // closed and replaced on every notify
}

func newActivityQueues() *activityQueues {
	return &activityQueues{waiters: map[string]chan struct{}{}}
}

func (q *activityQueues) wait(arn string) <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	ch, ok := q.waiters[arn]
	if !ok {
		ch = make(chan struct{})
		q.waiters[arn] = ch
	}
	return ch
}

func (q *activityQueues) notify(arn string) {
	q.mu.Lock()
	if ch, ok := q.waiters[arn]; ok {
		close(ch)
		delete(q.waiters, arn)
	}
	q.mu.Unlock()
}

func (e *Engine) getActivityTask(ctx context.Context, arn, worker string) (*ActivityTask, error) {
	if _, err := e.cfg.Store.ActivityGetByARN(ctx, &store.ActivityGetByARNParams{ARN: arn}); err != nil {
		return nil, fmt.Errorf("get activity task: %w", err)
	}
	owner := worker
	if owner == "" {
		owner = e.cfg.NodeID
	}
	for {
		ready := e.queues.wait(arn)
		now := e.now()
		leased, err := e.cfg.Store.DispatchLease(ctx, &store.DispatchLeaseParams{Queue: arn, Owner: owner,
			Now: now, Until: now.Add(activityLease), Limit: 1})
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil
			}
			return nil, fmt.Errorf("get activity task: %w", err)
		}
		if len(leased) > 0 {
			d := leased[0]
			var env activityEnvelope
			if err := json.Unmarshal([]byte(d.Input), &env); err != nil {
				return nil, fmt.Errorf("get activity task: dispatch of %s: %w", d.ExecutionARN, err)
			}
			// The worker has the task: ActivityStarted (with its name) is committed before it
			// gets the token, so the history reads Scheduled, Started, then the outcome.
			if e.enter() != nil {
				return nil, nil
			}
			_, err := e.deliver(ctx, d.ExecutionARN, delivery{event: interp.TaskStarted{TaskID: d.TaskID, WorkerName: worker}})
			e.leave()
			if errors.Is(err, errExecutionEnded) {
				continue // the execution stopped meanwhile: its task is gone
			}
			if err != nil {
				return nil, fmt.Errorf("get activity task: record the start of %s: %w", d.ExecutionARN, err)
			}
			return &ActivityTask{TaskToken: env.TaskToken, Input: string(env.Input)}, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-e.bg.Done():
			return nil, nil
		case <-ready:
		case <-time.After(activityPollInterval):
		}
	}
}

// HoldActivityTask keeps the activity task of token with workerName (the name it was
// claimed under) for d from now, and reports whether it still held it: false when the task
// was answered, its execution ended, or another worker took it after its hold ran out.
// d <= 0 gives the task back at once (ReleaseActivityTask).
func (e *Engine) HoldActivityTask(ctx context.Context, token, workerName string, d time.Duration) (bool, error) {
	if e.closing.Load() {
		return false, ErrClosed
	}
	t, err := e.cfg.Store.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: token})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("hold activity task: %w", err)
	}
	if t.ActivityARN == "" || t.Status != store.TaskTokenOpen {
		return false, nil
	}
	owner := workerName
	if owner == "" {
		owner = e.cfg.NodeID
	}
	now := e.now()
	until := now
	if d > 0 {
		until = now.Add(d)
	}
	renewed, err := e.cfg.Store.DispatchRenew(ctx, &store.DispatchRenewParams{Owner: owner, Until: until,
		Dispatches: []store.DispatchKey{{ExecutionARN: t.ExecutionARN, TaskID: t.TaskID}}})
	if err != nil {
		return false, fmt.Errorf("hold activity task: %w", err)
	}
	if len(renewed) == 0 {
		return false, nil
	}
	if d <= 0 {
		e.queues.notify(t.ActivityARN) // a worker waiting on this node takes it at once
	}
	return true, nil
}

// ReleaseActivityTask returns the activity task of token, held by workerName, to its queue
// (see HoldActivityTask); false when the worker no longer held it.
func (e *Engine) ReleaseActivityTask(ctx context.Context, token, workerName string) (bool, error) {
	return e.HoldActivityTask(ctx, token, workerName, 0)
}

// checkActivities fails the tasks of a committed step whose activity does not exist.
func (e *Engine) checkActivities(arn string, tasks []activityTask) {
	e.loops.Add(1)
	go func() {
		defer e.loops.Done()
		for _, t := range tasks {
			_, err := e.cfg.Store.ActivityGetByARN(e.bg, &store.ActivityGetByARNParams{ARN: t.activityARN})
			if err == nil || !isNotFound(err) {
				continue
			}
			if e.enter() != nil {
				return
			}
			_, err = e.deliver(e.bg, arn, delivery{
				event: interp.TaskFailed{TaskID: t.taskID, Error: sfn.ErrorRuntime,
					Cause: "The activity " + t.activityARN + " does not exist."},
				dispatchDone: t.taskID,
			})
			e.leave()
			if err != nil && e.bg.Err() == nil {
				e.log.Warn("fail task of missing activity", "execution", arn, "err", err)
			}
		}
	}()
}

type activityTask struct{ taskID, activityARN string }

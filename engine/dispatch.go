package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/metrics"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// dispatcher runs the task invocations of committed steps through the Invoker and feeds
// their results back as steps. A step's dispatch row is deleted by the step that consumes
// the result, so a task whose result was not committed runs again after a crash (tasks are
// at least once). Every dispatch this process runs is leased to it: a task started by a
// step of this process is leased from the step's commit, and the reaper leases the others
// (left by a crash, or whose lease expired). Leases of running tasks are renewed every third
// of a lease; on a shared store a task whose lease was lost, or could not be renewed before
// it would run out, is cancelled here before another node may take it, and its result is
// fenced: it commits only while the lease is still held as it was taken.
type dispatcher struct {
	e        *Engine
	runners  *goroutines
	mu       sync.Mutex
	inflight map[string]map[string]*runningTask // by execution ARN, then task id
}

// runningTask is a task this process runs, with the lease it holds on the task's dispatch.
type runningTask struct {
	cancel      context.CancelFunc
	leasedUntil time.Time
}

func newDispatcher(e *Engine) *dispatcher {
	return &dispatcher{e: e, runners: newGoroutines(e.bg), inflight: map[string]map[string]*runningTask{}}
}

// start runs inv unless it already runs here. leasedUntil is when the dispatch's lease,
// taken by the step that created it or by the reaper, runs out.
func (d *dispatcher) start(arn string, inv invocation, leasedUntil time.Time) {
	e := d.e
	k := timerKey{arn, inv.TaskID}
	d.mu.Lock()
	if _, ok := d.inflight[arn][inv.TaskID]; ok || e.bg.Err() != nil {
		d.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(e.bg)
	tasks := d.inflight[arn]
	if tasks == nil {
		tasks = map[string]*runningTask{}
		d.inflight[arn] = tasks
	}
	tasks[inv.TaskID] = &runningTask{cancel: cancel, leasedUntil: leasedUntil}
	e.loops.Add(1)
	d.mu.Unlock()
	d.runners.run(func() {
		defer e.loops.Done()
		defer d.finish(k, cancel)
		d.run(ctx, arn, inv)
	})
}

func (d *dispatcher) finish(k timerKey, cancel context.CancelFunc) {
	cancel()
	d.mu.Lock()
	if tasks := d.inflight[k.arn]; tasks != nil {
		delete(tasks, k.id)
		if len(tasks) == 0 {
			delete(d.inflight, k.arn)
		}
	}
	d.mu.Unlock()
}

func (d *dispatcher) cancel(arn, taskID string) {
	d.mu.Lock()
	if t, ok := d.inflight[arn][taskID]; ok {
		t.cancel()
	}
	d.mu.Unlock()
}

func (d *dispatcher) cancelExecution(arn string) {
	d.mu.Lock()
	for _, t := range d.inflight[arn] {
		t.cancel()
	}
	d.mu.Unlock()
}

func (d *dispatcher) running(arn, taskID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.inflight[arn][taskID]
	return ok
}

// run invokes the task and commits its result. The task stays in inflight until then, so
// the reaper never runs it a second time meanwhile.
func (d *dispatcher) run(ctx context.Context, arn string, inv invocation) {
	e := d.e
	out, err := d.invoke(ctx, arn, inv)
	if ctx.Err() != nil {
		return // cancelled by its execution, a lost lease, or the engine closing: the row stays
	}
	dl := delivery{dispatchDone: inv.TaskID}
	if e.cfg.SharedStore {
		dl.fence = &store.DispatchFence{TaskID: inv.TaskID, Owner: e.cfg.NodeID, Attempts: inv.Attempts}
	}
	switch {
	case err != nil:
		te := task.AsError(err)
		dl.event = interp.TaskFailed{TaskID: inv.TaskID, Error: te.Name, Cause: te.Cause}
	case sfn.ParseResource(inv.Resource).WaitsForTaskToken():
		// The callback was handed out; the task now waits for SendTask*. Only the
		// dispatch row goes.
	default:
		dl.event = interp.TaskSucceeded{TaskID: inv.TaskID, Output: out}
	}
	for attempt := 0; ; attempt++ {
		if e.enter() != nil {
			return
		}
		_, err := e.deliver(ctx, arn, dl)
		e.leave()
		if err == nil || errors.Is(err, errExecutionEnded) || errors.Is(err, store.ErrNotFound) {
			return
		}
		if errors.Is(err, store.ErrLeaseLost) {
			e.log.Warn("task result dropped: another node took the task over", "execution", arn, "task", inv.TaskID)
			e.cfg.Metrics.TaskRerun(metrics.RerunLeaseLost)
			return
		}
		unavailable := errors.Is(err, store.ErrUnavailable)
		if attempt >= 5 && !unavailable {
			e.log.Error("commit task result", "execution", arn, "task", inv.TaskID, "err", err)
			return // the dispatch row stays: the task runs again once its lease runs out
		}
		if unavailable && attempt%20 == 5 {
			e.log.Warn("task result waits for the database", "execution", arn, "task", inv.TaskID, "err", err)
		}
		// The result is kept while the database is unavailable, rather than run the task
		// again afterwards: retried until the database is back, or until ctx ends (the
		// engine closes, or, on a shared store, the lease could not be renewed and another
		// node may run the task).
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Duration(attempt+1)*50*time.Millisecond, time.Second)):
		}
	}
}

func (d *dispatcher) invoke(ctx context.Context, arn string, inv invocation) (out any, err error) {
	inv2 := d.e.cfg.Invoker
	if inv2 == nil {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "no task runner is configured for resource " + inv.Resource}
	}
	defer func() {
		if r := recover(); r != nil {
			err = &task.Error{Name: sfn.ErrorTaskFailed, Cause: fmt.Sprintf("task runner panicked: %v", r)}
		}
	}()
	return invokeTask(ctx, inv2, &task.Request{
		Resource:            sfn.ParseResource(inv.Resource),
		Input:               inv.Input,
		TaskToken:           inv.TaskToken,
		Timeout:             time.Duration(inv.TimeoutSeconds) * time.Second,
		Heartbeat:           time.Duration(inv.HeartbeatSeconds) * time.Second,
		ExecutionARN:        arn,
		StateName:           inv.StateName,
		Credentials:         inv.Credentials,
		StateMachineRoleARN: inv.RoleARN,
		IdempotencyKey:      arn + "#" + inv.TaskID,
	})
}

// invokeTask calls an invoker as every task runs: with the request's values as encoding/json
// decodes them (task.Plain), and the result turned into the engine's values (task.Result).
func invokeTask(ctx context.Context, inv task.Invoker, req *task.Request) (any, error) {
	out, err := inv.Invoke(ctx, task.Plain(req))
	if err != nil {
		return nil, err
	}
	return task.Result(out), nil
}

// reap leases dispatches nobody runs (left by a crash or an expired lease) and runs them,
// and renews the leases of the tasks running here, every third of a lease.
func (d *dispatcher) reap(ctx context.Context) {
	e := d.e
	interval := e.cfg.LeaseDuration / 3
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		d.reapOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (d *dispatcher) reapOnce(ctx context.Context) {
	e := d.e
	d.renew(ctx)
	for ctx.Err() == nil {
		now := e.now()
		until := now.Add(e.cfg.LeaseDuration)
		leased, err := e.cfg.Store.DispatchLease(ctx, &store.DispatchLeaseParams{Queue: "", Owner: e.cfg.NodeID,
			Now: now, Until: until, Limit: 100})
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("lease dispatches", "err", err)
			}
			return
		}
		fresh := 0
		for _, ds := range leased {
			if d.running(ds.ExecutionARN, ds.TaskID) {
				continue // ours, still running: the lease just got longer
			}
			fresh++
			input, err := jsonvalue.Decode([]byte(ds.Input))
			if err != nil {
				e.log.Warn("dispatch with invalid input", "execution", ds.ExecutionARN, "task", ds.TaskID, "err", err)
				continue
			}
			inv := invocation{TaskID: ds.TaskID, Resource: ds.Resource, Input: input, Attempts: ds.Attempts}
			if ds.Details != "" {
				var details dispatchDetails
				if err := json.Unmarshal([]byte(ds.Details), &details); err != nil {
					e.log.Warn("dispatch with invalid details", "execution", ds.ExecutionARN, "task", ds.TaskID, "err", err)
				}
				inv.StateName, inv.TimeoutSeconds, inv.HeartbeatSeconds, inv.Credentials, inv.RoleARN =
					details.StateName, details.TimeoutSeconds, details.HeartbeatSeconds, details.Credentials, details.RoleARN
			}
			if sfn.ParseResource(ds.Resource).WaitsForTaskToken() {
				inv.TaskToken = e.taskToken(ctx, ds.ExecutionARN, ds.TaskID)
			}
			// Every lease after the first is a run again: the task may have run before,
			// in an earlier life of this process or on another node.
			e.cfg.Metrics.TaskRerun(metrics.RerunLeaseExpired)
			d.start(ds.ExecutionARN, inv, until)
		}
		if len(leased) < 100 || fresh == 0 {
			return
		}
	}
}

// renew extends the leases of the tasks running here: a task may run longer than a lease (a
// Lambda function for up to 15 minutes, an HTTP task for an hour), and without renewal
// another node's reaper would take it after LeaseDuration and run it a second time.
//
// On a shared store this process also lets go first: a task whose lease another node took
// is cancelled, and so is one whose lease could not be renewed (the database unreachable)
// and has less than a third of a lease left, so that it stops before another node may start
// it. Alone on its store the process keeps running its tasks through an outage: nobody else
// can take them.
func (d *dispatcher) renew(ctx context.Context) {
	d.mu.Lock()
	var keys []store.DispatchKey
	asked := map[store.DispatchKey]bool{}
	for arn, tasks := range d.inflight {
		for id := range tasks {
			k := store.DispatchKey{ExecutionARN: arn, TaskID: id}
			keys = append(keys, k)
			asked[k] = true
		}
	}
	d.mu.Unlock()
	if len(keys) == 0 {
		return
	}
	e := d.e
	until := e.now().Add(e.cfg.LeaseDuration)
	// A database that hangs must not hold up the decision below past the lease.
	rctx, cancel := context.WithTimeout(ctx, e.cfg.LeaseDuration/3)
	renewed, err := e.cfg.Store.DispatchRenew(rctx, &store.DispatchRenewParams{Owner: e.cfg.NodeID, Until: until, Dispatches: keys})
	if err != nil && rctx.Err() == nil {
		// On PostgreSQL a renewal can lose a deadlock to another node's step that touches
		// the same dispatch rows: one more try, rather than a third of a lease later.
		renewed, err = e.cfg.Store.DispatchRenew(rctx, &store.DispatchRenewParams{Owner: e.cfg.NodeID, Until: until, Dispatches: keys})
	}
	cancel()
	if err != nil && ctx.Err() == nil {
		e.log.Warn("renew dispatch leases", "err", err)
	}
	held := make(map[store.DispatchKey]bool, len(renewed))
	for _, k := range renewed {
		held[k] = true
	}
	now := e.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for arn, tasks := range d.inflight {
		for id, t := range tasks {
			k := store.DispatchKey{ExecutionARN: arn, TaskID: id}
			switch {
			case held[k]:
				t.leasedUntil = until
			case !e.cfg.SharedStore:
			case err == nil && asked[k]:
				e.log.Warn("task cancelled: its lease was taken over", "execution", arn, "task", id)
				t.cancel()
			case err != nil && t.leasedUntil.Sub(now) < e.cfg.LeaseDuration/3:
				e.log.Warn("task cancelled: its lease could not be renewed before running out", "execution", arn, "task", id)
				t.cancel()
			}
		}
	}
}

// taskToken finds the token of a callback task from its execution's snapshot: a dispatch
// row does not carry it (the input does, wherever the definition put $$.Task.Token).
func (e *Engine) taskToken(ctx context.Context, arn, taskID string) string {
	lx, err := e.acquire(ctx, arn)
	if err != nil {
		return ""
	}
	defer lx.mu.Unlock()
	return lx.tokens[taskID]
}

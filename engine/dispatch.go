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
	"github.com/stepflow/stepflow/task"
)

// dispatcher runs the task invocations of committed steps through the Invoker and feeds
// their results back as steps. A step's dispatch row is deleted by the step that consumes
// the result, so a task whose result was not committed runs again after a crash (tasks are
// at least once). Dispatches of this process run at once, without a lease; the reaper leases
// the others (left by a crash, or whose lease expired) and runs them.
type dispatcher struct {
	e        *Engine
	mu       sync.Mutex
	inflight map[string]map[string]context.CancelFunc // by execution ARN, then task id
}

func newDispatcher(e *Engine) *dispatcher {
	return &dispatcher{e: e, inflight: map[string]map[string]context.CancelFunc{}}
}

// start runs inv unless it already runs here.
func (d *dispatcher) start(arn string, inv invocation) {
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
		tasks = map[string]context.CancelFunc{}
		d.inflight[arn] = tasks
	}
	tasks[inv.TaskID] = cancel
	e.loops.Add(1)
	d.mu.Unlock()
	go func() {
		defer e.loops.Done()
		defer d.finish(k, cancel)
		d.run(ctx, arn, inv)
	}()
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
	if cancel, ok := d.inflight[arn][taskID]; ok {
		cancel()
	}
	d.mu.Unlock()
}

func (d *dispatcher) cancelExecution(arn string) {
	d.mu.Lock()
	for _, cancel := range d.inflight[arn] {
		cancel()
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
		return // cancelled by its execution, or the engine is closing: the row stays
	}
	dl := delivery{dispatchDone: inv.TaskID}
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
		if attempt >= 5 {
			e.log.Error("commit task result", "execution", arn, "task", inv.TaskID, "err", err)
			return // the dispatch row stays: the task runs again after a restart
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
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
	return inv2.Invoke(ctx, &task.Request{
		Resource:     sfn.ParseResource(inv.Resource),
		Input:        inv.Input,
		TaskToken:    inv.TaskToken,
		Timeout:      time.Duration(inv.TimeoutSeconds) * time.Second,
		Heartbeat:    time.Duration(inv.HeartbeatSeconds) * time.Second,
		ExecutionARN: arn,
		StateName:    inv.StateName,
	})
}

// reap leases dispatches nobody runs (left by a crash or an expired lease) and runs them.
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
		leased, err := e.cfg.Store.DispatchLease(ctx, &store.DispatchLeaseParams{Queue: "", Owner: e.cfg.NodeID,
			Now: now, Until: now.Add(e.cfg.LeaseDuration), Limit: 100})
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
			var input any
			if err := json.Unmarshal([]byte(ds.Input), &input); err != nil {
				e.log.Warn("dispatch with invalid input", "execution", ds.ExecutionARN, "task", ds.TaskID, "err", err)
				continue
			}
			inv := invocation{TaskID: ds.TaskID, Resource: ds.Resource, Input: input}
			if sfn.ParseResource(ds.Resource).WaitsForTaskToken() {
				inv.TaskToken = e.taskToken(ctx, ds.ExecutionARN, ds.TaskID)
			}
			d.start(ds.ExecutionARN, inv)
		}
		if len(leased) < 100 || fresh == 0 {
			return
		}
	}
}

// renew extends the leases of the tasks running here, every third of a lease: a task may run
// longer than a lease (a Lambda function for up to 15 minutes, an HTTP task for an hour), and
// without renewal another node's reaper would take it after LeaseDuration and run it again.
func (d *dispatcher) renew(ctx context.Context) {
	d.mu.Lock()
	var keys []store.DispatchKey
	for arn, tasks := range d.inflight {
		for id := range tasks {
			keys = append(keys, store.DispatchKey{ExecutionARN: arn, TaskID: id})
		}
	}
	d.mu.Unlock()
	if len(keys) == 0 {
		return
	}
	e := d.e
	_, err := e.cfg.Store.DispatchRenew(ctx, &store.DispatchRenewParams{Owner: e.cfg.NodeID,
		Until: e.now().Add(e.cfg.LeaseDuration), Dispatches: keys})
	if err != nil && ctx.Err() == nil {
		e.log.Warn("renew dispatch leases", "err", err)
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

package engine

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// RunOptions configures one in-memory execution.
type RunOptions struct {
	Info    interp.ExecutionInfo
	Input   any
	Invoker task.Invoker // runs Task states; nil fails every task
	// VirtualTime runs Wait states, retry intervals and timeouts on a virtual clock that jumps
	// to the next timer as soon as no task is in flight: an execution that waits a year ends at once.
	VirtualTime bool
	// OnStep, when set, sees every step's history events as they are produced.
	OnStep func(events []sfn.HistoryEvent)
	// OnFinish, when set, gets the (real or virtual) time the execution ended.
	OnFinish func(stop time.Time)
	// OnState, when set, gets the execution's state as Run returns (the time it spent per
	// state, for the performance rollups).
	OnState func(*interp.ExecutionState)
}

// ErrStalled is returned when an execution on virtual time waits for something nothing will
// ever deliver (no task in flight, no timer pending), e.g. a task token nobody answers.
var ErrStalled = errors.New("execution stalled: it waits for an event that nothing will deliver")

// Run executes one execution of p in memory until it ends or ctx is done (then it is
// stopped, as StopExecution would, and its ABORTED result returned).
func Run(ctx context.Context, p *interp.Program, o RunOptions) (interp.Result, error) {
	if o.Info.StartTime.IsZero() {
		o.Info.StartTime = time.Now().UTC()
	}
	r := &runner{opts: o, now: o.Info.StartTime, inflight: map[string]context.CancelFunc{}, timers: map[string]*timerEntry{}, wake: make(chan struct{}, 1)}
	ex, step := p.Start(o.Info, o.Input)
	defer r.cancelAll()
	if o.OnState != nil {
		defer func() { o.OnState(ex.State()) }()
	}
	for {
		r.apply(ctx, step)
		if step.Done {
			if o.OnFinish != nil {
				o.OnFinish(r.clock())
			}
			return ex.Result(), nil
		}
		ev, err := r.next(ctx)
		if err != nil {
			return ex.Result(), err
		}
		step = ex.Handle(ev, r.clock())
	}
}

type runner struct {
	opts     RunOptions
	now      time.Time // virtual time, or the last real time read
	inflight map[string]context.CancelFunc
	timers   map[string]*timerEntry
	due      timerHeap // virtual time only
	mu       sync.Mutex
	queue    []interp.Event // results delivered by task goroutines and real timers
	wake     chan struct{}
	stopped  bool
	tasks    sync.WaitGroup // invocations still running; Run waits for them before returning
}

type timerEntry struct {
	id     string
	fireAt time.Time
	real   *time.Timer
	index  int
}

func (r *runner) clock() time.Time {
	if r.opts.VirtualTime {
		return r.now
	}
	r.now = time.Now().UTC()
	return r.now
}

func (r *runner) apply(ctx context.Context, step interp.Step) {
	if r.opts.OnStep != nil && len(step.Events) > 0 {
		r.opts.OnStep(step.Events)
	}
	for _, c := range step.Commands {
		switch c := c.(type) {
		case interp.InvokeTask:
			r.invoke(ctx, c)
		case interp.StartTimer:
			r.startTimer(c)
		case interp.CancelTask:
			if cancel, ok := r.inflight[c.TaskID]; ok {
				cancel()
				delete(r.inflight, c.TaskID)
			}
		case interp.CancelTimer:
			r.cancelTimer(c.TimerID)
		}
	}
}

func (r *runner) invoke(ctx context.Context, c interp.InvokeTask) {
	tctx, cancel := context.WithCancel(ctx)
	r.inflight[c.TaskID] = cancel
	req := &task.Request{
		Resource:            sfn.ParseResource(c.Resource),
		Input:               c.Input,
		TaskToken:           c.TaskToken,
		Timeout:             time.Duration(c.TimeoutSeconds) * time.Second,
		Heartbeat:           time.Duration(c.HeartbeatSeconds) * time.Second,
		ExecutionARN:        r.opts.Info.ExecutionARN,
		StateName:           c.StateName,
		Credentials:         c.Credentials, // as the durable dispatcher passes it: AWS calls assume the role
		StateMachineRoleARN: r.opts.Info.RoleARN,
	}
	inv := r.opts.Invoker
	r.tasks.Add(1)
	go func() {
		defer r.tasks.Done()
		var ev interp.Event
		if inv == nil {
			ev = interp.TaskFailed{TaskID: c.TaskID, Error: sfn.ErrorRuntime, Cause: "no task runner is configured for resource " + c.Resource}
		} else if out, err := invokeTask(tctx, inv, req); err != nil {
			te := task.AsError(err)
			ev = interp.TaskFailed{TaskID: c.TaskID, Error: te.Name, Cause: te.Cause}
		} else {
			ev = interp.TaskSucceeded{TaskID: c.TaskID, Output: out}
		}
		if tctx.Err() == nil {
			r.post(ev)
		}
	}()
}

func (r *runner) post(ev interp.Event) {
	r.mu.Lock()
	r.queue = append(r.queue, ev)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *runner) startTimer(c interp.StartTimer) {
	r.cancelTimer(c.TimerID)
	t := &timerEntry{id: c.TimerID, fireAt: c.FireAt}
	r.timers[c.TimerID] = t
	if r.opts.VirtualTime {
		heap.Push(&r.due, t)
		return
	}
	t.real = time.AfterFunc(time.Until(c.FireAt), func() { r.post(interp.TimerFired{TimerID: c.TimerID}) })
}

func (r *runner) cancelTimer(id string) {
	t, ok := r.timers[id]
	if !ok {
		return
	}
	delete(r.timers, id)
	if t.real != nil {
		t.real.Stop()
	}
	if t.index >= 0 && r.opts.VirtualTime {
		heap.Remove(&r.due, t.index)
	}
}

// next waits for the next event: a task result, a timer, or the end of ctx. The end of ctx
// comes first: an execution that always has an event ready (a loop the interpreter cuts
// into steps, see interp's maxStepStates) still stops.
func (r *runner) next(ctx context.Context) (interp.Event, error) {
	for {
		if ctx.Err() != nil && !r.stopped {
			r.stopped = true
			return interp.StopRequested{Error: "", Cause: ""}, nil
		}
		r.mu.Lock()
		if len(r.queue) > 0 {
			ev := r.queue[0]
			r.queue = r.queue[1:]
			r.mu.Unlock()
			if !r.accept(ev) {
				continue
			}
			return ev, nil
		}
		r.mu.Unlock()
		// A timer already due fires even while tasks run (the interpreter's continuation
		// timers are due at once); later ones wait until no task is in flight.
		if r.opts.VirtualTime && (len(r.inflight) == 0 || r.due.Len() > 0 && !r.due[0].fireAt.After(r.now)) {
			if r.due.Len() == 0 {
				return nil, ErrStalled
			}
			t := heap.Pop(&r.due).(*timerEntry)
			delete(r.timers, t.id)
			if t.fireAt.After(r.now) {
				r.now = t.fireAt
			}
			return interp.TimerFired{TimerID: t.id}, nil
		}
		if !r.opts.VirtualTime && len(r.inflight) == 0 && len(r.timers) == 0 {
			return nil, ErrStalled
		}
		select {
		case <-r.wake:
		case <-ctx.Done():
			if r.stopped {
				return nil, fmt.Errorf("execution did not stop: %w", ctx.Err())
			}
			r.stopped = true
			return interp.StopRequested{Error: "", Cause: ""}, nil
		}
	}
}

// accept drops results of tasks and timers that were cancelled after they fired.
func (r *runner) accept(ev interp.Event) bool {
	switch ev := ev.(type) {
	case interp.TaskSucceeded:
		return r.finishTask(ev.TaskID)
	case interp.TaskFailed:
		return r.finishTask(ev.TaskID)
	case interp.TimerFired:
		if _, ok := r.timers[ev.TimerID]; !ok {
			return false
		}
		delete(r.timers, ev.TimerID)
	}
	return true
}

func (r *runner) finishTask(id string) bool {
	cancel, ok := r.inflight[id]
	if ok {
		cancel()
		delete(r.inflight, id)
	}
	return ok
}

func (r *runner) cancelAll() {
	for _, cancel := range r.inflight {
		cancel()
	}
	for _, t := range r.timers {
		if t.real != nil {
			t.real.Stop()
		}
	}
	// Cancelled invocations end promptly (invokers honour their context); waiting for them
	// means no task of a finished execution is still running when Run returns.
	r.tasks.Wait()
}

// timerHeap orders virtual timers by fire time, then by id for determinism.
type timerHeap []*timerEntry

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].fireAt.Equal(h[j].fireAt) {
		return h[i].fireAt.Before(h[j].fireAt)
	}
	return h[i].id < h[j].id
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timerEntry)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}

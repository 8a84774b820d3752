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
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// liveExecution is a Standard execution held in memory between its steps. Its mutex
// serialises the steps of one execution; steps of different executions run (and commit, in
// one batch) concurrently.
type liveExecution struct {
	mu      sync.Mutex
	arn     string
	ref     programRef
	ex      *interp.Execution // nil until loaded, and again after a failed commit
	version int64             // the store version ex corresponds to
	done    bool
	// tokens maps the task id of each open callback or activity task to its token, so the
	// step that ends or cancels the task also closes the token.
	tokens map[string]string

	mailMu  sync.Mutex
	mailbox []*mail // deliveries waiting for the driver
	driving bool    // a sender is handling the mailbox
}

// errExecutionEnded is returned by deliver for an execution that is no longer running.
var errExecutionEnded = errors.New("execution has ended")

// maxStepAttempts bounds how often a step is recomputed after losing a version race.
const maxStepAttempts = 20

func (e *Engine) startStandard(ctx context.Context, t *target, p *StartExecutionParams) (*store.Execution, error) {
	name := p.Name
	if name == "" {
		name = newUUID()
	}
	inputText := p.Input
	if inputText == "" {
		inputText = "{}"
	}
	input, err := jsonvalue.Decode([]byte(inputText))
	if err != nil {
		return nil, &InvalidExecutionInputError{Message: "Invalid State Machine Execution Input: '" + err.Error() + "'"}
	}
	prog, err := e.program(t.Definition, t.Type, true)
	if err != nil {
		return nil, err
	}
	arn := e.cfg.Scope.ExecutionARN(t.Name, name)
	now := e.now()
	info := interp.ExecutionInfo{ExecutionARN: arn, ExecutionName: name, StateMachineARN: t.StateMachineARN,
		StateMachineName: t.Name, RoleARN: t.RoleARN, StartTime: now, Seed: newSeed()}
	ex, step := prog.Start(info, input)
	lx := &liveExecution{arn: arn, ref: t.programRef(), ex: ex, version: 1, tokens: map[string]string{}}
	ob := e.outbox(lx, step, nil, now)
	// The snapshot names the definition by hash: stored first, it stays with the execution
	// should the state machine be updated and the process restart.
	if err := e.storeDefinition(ctx, lx.ref.Hash, t.Definition); err != nil {
		return nil, fmt.Errorf("start execution %s: %w", arn, err)
	}
	snapshot, err := encodeSnapshot(lx.ref, ex)
	if err != nil {
		return nil, err
	}
	encoded, err := store.EncodeEvents(ob.params.Events)
	if err != nil {
		return nil, fmt.Errorf("start execution %s: encode history: %w", arn, err)
	}
	lx.mu.Lock()
	defer lx.mu.Unlock()
	create := &store.ExecutionCreateParams{
		ARN: arn, StateMachineARN: t.StateMachineARN, StateMachineVersionARN: t.VersionARN,
		StateMachineAliasARN: t.AliasARN, Name: name, Type: t.Type, Input: inputText, StartDate: now,
		TraceHeader: p.TraceHeader, Snapshot: snapshot, Events: ob.params.Events, EncodedEvents: encoded, Timers: ob.params.TimersAdd,
		Dispatches: ob.params.DispatchesAdd, TaskTokens: ob.params.TaskTokensAdd, Children: ob.params.Children,
	}
	if step.Done {
		// Ended with its first step (a run of Pass and Choice states, say): created ended.
		end := endUpdate(ex, now)
		create.Status, create.Output, create.Error, create.Cause, create.StopDate = end.Status, end.Output, end.Error, end.Cause, end.StopDate
		create.EndedStates = stateTimes(ex.State().StateTimes)
	}
	create.EventDeliveries = e.statusChangeDeliveries(ctx, ex, inputText, create.Output, ob.params.Events)
	rec, err := e.commits.create(ctx, create)
	if errors.Is(err, store.ErrAlreadyExists) {
		return e.existingExecution(ctx, arn, t, inputText)
	}
	if err != nil {
		return nil, fmt.Errorf("start execution %s: %w", arn, err)
	}
	if !step.Done {
		e.mu.Lock()
		e.live[arn] = lx
		e.mu.Unlock()
		// Starts alone must keep the bound too: executions that start and wait (a long Wait, a
		// task token) are never driven, so drive's eviction would not see them. This one is
		// not evicted: its lock is held.
		e.evictIdle()
	}
	e.afterCommit(lx, ob)
	return rec, nil
}

// existingExecution answers a start whose name is taken: the same running execution when
// the input matches (StartExecution is idempotent), else ExecutionAlreadyExists.
func (e *Engine) existingExecution(ctx context.Context, arn string, t *target, input string) (*store.Execution, error) {
	rec, err := e.cfg.Store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})
	if err != nil {
		return nil, fmt.Errorf("start execution %s: %w", arn, err)
	}
	if rec.Status == sfn.StatusRunning && rec.Input == input && rec.StateMachineARN == t.StateMachineARN {
		return rec, nil
	}
	return nil, &ExecutionAlreadyExistsError{ExecutionARN: arn}
}

// commitEnd records the end of an execution whose snapshot already says it ended.
func (e *Engine) commitEnd(ctx context.Context, lx *liveExecution, now time.Time) error {
	snapshot, err := encodeSnapshot(lx.ref, lx.ex)
	if err != nil {
		return err
	}
	p := &store.ExecutionStepParams{ExecutionARN: lx.arn, ExpectedVersion: lx.version, Snapshot: snapshot,
		Update: endUpdate(lx.ex, now), Ended: executionEnd(lx.ex.State())}
	if err := e.commits.commit(ctx, p); err != nil {
		lx.ex = nil
		return err
	}
	lx.version++
	e.ended(lx)
	return nil
}

// endUpdate is the status fields of an execution that ended. The store replaces them all
// together, so the redrive count and date are carried along.
func endUpdate(ex *interp.Execution, now time.Time) *store.ExecutionUpdate {
	r := ex.Result()
	u := &store.ExecutionUpdate{Status: r.Status, Error: r.Error, Cause: r.Cause, StopDate: &now, RedriveCount: r.RedriveCount}
	if d := ex.State().RedriveDate; !d.IsZero() {
		u.RedriveDate = &d
	}
	if r.Status == sfn.StatusSucceeded {
		out := encodeJSON(r.Output)
		u.Output = &out
	}
	return u
}

// encodeJSON is a payload's JSON text as AWS shows it (no HTML escaping).
func encodeJSON(v any) string { return jsonvalue.MarshalString(v) }

// delivery is one thing that happened to an execution, to be turned into a committed step.
type delivery struct {
	event interp.Event // nil: only the bookkeeping below
	// check runs under the execution's lock before the event is handled; an error cancels.
	check func(lx *liveExecution) error
	// Rows of the outbox the event consumed.
	timerDone    string
	dispatchDone string
	tokenDone    string
	// fence, when set, commits the step only while the task's dispatch is leased as it says.
	fence *store.DispatchFence
}

// deliver hands an event to an execution and commits the step it produces, recomputing it
// from the stored snapshot when another worker committed first. It returns the step's time.
//
// Events wait in the execution's mailbox while one of their senders, the driver, holds the
// execution: everything that arrived while the previous step was being committed is handled
// together and committed as one step. A Map of a thousand tasks thus commits in a few
// transactions instead of a thousand.
func (e *Engine) deliver(ctx context.Context, arn string, d delivery) (time.Time, error) {
	lx := e.liveEntry(arn)
	m := &mail{d: d, done: make(chan mailResult, 1)}
	lx.mailMu.Lock()
	lx.mailbox = append(lx.mailbox, m)
	drive := !lx.driving
	lx.driving = true
	lx.mailMu.Unlock()
	if drive {
		// One sender's cancelled request must not fail the others' events it carries.
		e.drive(context.WithoutCancel(ctx), lx, m)
	}
	r := <-m.done
	return r.now, r.err
}

// mail is one delivery waiting in an execution's mailbox.
type mail struct {
	d    delivery
	done chan mailResult
}

type mailResult struct {
	now time.Time
	err error
}

// drive handles the mailbox until it is empty. Once its own mail (nil for none) is answered,
// a sender hands what is left to a new goroutine rather than serve a busy execution forever.
func (e *Engine) drive(ctx context.Context, lx *liveExecution, own *mail) {
	defer e.evictIdle()
	lx.mu.Lock()
	defer lx.mu.Unlock()
	for {
		lx.mailMu.Lock()
		batch := lx.mailbox
		lx.mailbox = nil
		if len(batch) == 0 {
			lx.driving = false
			lx.mailMu.Unlock()
			return
		}
		lx.mailMu.Unlock()
		if own != nil && len(own.done) > 0 {
			// Answered: the rest is someone else's. Put it back for a fresh driver.
			lx.mailMu.Lock()
			lx.mailbox = append(batch, lx.mailbox...)
			lx.mailMu.Unlock()
			go e.drive(ctx, lx, nil)
			return
		}
		e.stepGroup(ctx, lx, batch)
	}
}

// stepGroup handles a batch of deliveries in order and commits them as one step, retrying
// from the stored snapshot when another worker committed first.
func (e *Engine) stepGroup(ctx context.Context, lx *liveExecution, batch []*mail) {
	for attempt := 0; len(batch) > 0; attempt++ {
		if lx.ex == nil && !lx.done {
			if err := e.load(ctx, lx); err != nil {
				e.forget(lx)
				for _, m := range batch {
					m.done <- mailResult{err: err}
				}
				return
			}
		}
		now := e.now()
		ob := &outbox{}
		var accepted []*mail
		for _, m := range batch {
			d, result, ok := e.admit(lx, m.d)
			if !ok {
				m.done <- result
				continue
			}
			var step interp.Step
			if d.event != nil {
				step = lx.ex.Handle(d.event, now)
			}
			e.addStep(ob, lx, step, &d, now)
			accepted = append(accepted, m)
		}
		if ob.empty() {
			for _, m := range accepted {
				m.done <- mailResult{now: now}
			}
			return
		}
		err := e.commitOutbox(ctx, lx, ob)
		if errors.Is(err, store.ErrVersionConflict) && attempt+1 < maxStepAttempts {
			batch = accepted // recompute them on the reloaded execution
			continue
		}
		var lost *store.LeaseLostError
		if errors.As(err, &lost) && attempt+1 < maxStepAttempts {
			// The fenced result goes unanswered-as-committed; the others are recomputed
			// without it on the reloaded execution.
			batch = batch[:0]
			for _, m := range accepted {
				if m.d.fence != nil && *m.d.fence == lost.Fence {
					m.done <- mailResult{now: now, err: err}
					continue
				}
				batch = append(batch, m)
			}
			continue
		}
		for _, m := range accepted {
			m.done <- mailResult{now: now, err: err}
		}
		return
	}
}

// admit decides what becomes of a delivery on the execution as it is now: handled (ok), or
// answered at once with result.
func (e *Engine) admit(lx *liveExecution, d delivery) (_ delivery, result mailResult, ok bool) {
	if lx.done || (lx.ex != nil && lx.ex.Result().Status.Terminal()) {
		return d, mailResult{err: errExecutionEnded}, false
	}
	if d.check != nil {
		if err := d.check(lx); err != nil {
			return d, mailResult{err: err}, false
		}
	}
	if d.event == nil && d.dispatchDone != "" && !waitsFor(lx.ex, interp.TaskSucceeded{TaskID: d.dispatchDone}) {
		return d, mailResult{}, false
	}
	if d.event != nil && !waitsFor(lx.ex, d.event) {
		// A result nobody waits for any more (the task was cancelled, the timer fired twice).
		// Its outbox row normally went with the step that withdrew it; should it still be
		// there, it would fire or run again forever, so a stale result still deletes it.
		if d.timerDone == "" && d.dispatchDone == "" {
			return d, mailResult{}, false
		}
		d.event, d.tokenDone = nil, ""
	}
	return d, mailResult{}, true
}

// commitOutbox commits ob as the execution's next step and starts what it asked for.
func (e *Engine) commitOutbox(ctx context.Context, lx *liveExecution, ob *outbox) error {
	snapshot, err := encodeSnapshot(lx.ref, lx.ex)
	if err != nil {
		lx.ex = nil
		return err
	}
	ob.params.ExecutionARN = lx.arn
	ob.params.ExpectedVersion = lx.version
	ob.params.Snapshot = snapshot
	// Encoded here, by the execution's goroutine, rather than by the store's single writer.
	if ob.params.EncodedEvents, err = store.EncodeEvents(ob.params.Events); err != nil {
		lx.ex = nil
		return fmt.Errorf("commit step of execution %s: encode history: %w", lx.arn, err)
	}
	var output *string
	if ob.params.Update != nil {
		output = ob.params.Update.Output
	}
	ob.params.EventDeliveries = e.statusChangeDeliveries(ctx, lx.ex, "", output, ob.params.Events)
	if err := e.commits.commit(ctx, &ob.params); err != nil {
		lx.ex = nil // Handle changed it; the store has the truth
		if errors.Is(err, store.ErrVersionConflict) {
			return err
		}
		if errors.Is(err, store.ErrNotFound) {
			e.forget(lx)
		}
		return fmt.Errorf("commit step of execution %s: %w", lx.arn, err)
	}
	lx.version++
	e.afterCommit(lx, ob)
	return nil
}

// waitsFor reports whether ex still waits for a task result or timer event.
func waitsFor(ex *interp.Execution, ev interp.Event) bool {
	var id string
	switch ev := ev.(type) {
	case interp.TaskSucceeded:
		id = ev.TaskID
	case interp.TaskFailed:
		id = ev.TaskID
	case interp.TaskHeartbeat:
		id = ev.TaskID
	case interp.TimerFired:
		id = ev.TimerID
	default:
		return true
	}
	_, ok := ex.State().Waits[id]
	return ok
}

// liveEntry returns the in-memory entry of an execution, adding an empty one (loaded on
// first use) when it has none.
func (e *Engine) liveEntry(arn string) *liveExecution {
	e.mu.Lock()
	defer e.mu.Unlock()
	lx := e.live[arn]
	if lx == nil {
		lx = &liveExecution{arn: arn}
		e.live[arn] = lx
	}
	return lx
}

// acquire returns the execution locked and loaded (or marked done).
func (e *Engine) acquire(ctx context.Context, arn string) (*liveExecution, error) {
	lx := e.liveEntry(arn)
	lx.mu.Lock()
	if lx.ex == nil && !lx.done {
		if err := e.load(ctx, lx); err != nil {
			lx.mu.Unlock()
			e.forget(lx)
			return nil, err
		}
	}
	return lx, nil
}

// evictIdle drops executions nobody is stepping while more than MaxLiveExecutions are held.
// Map iteration order picks them at random, which is good enough for a memory bound.
func (e *Engine) evictIdle() {
	e.mu.Lock()
	defer e.mu.Unlock()
	excess := len(e.live) - e.cfg.MaxLiveExecutions
	for arn, lx := range e.live {
		if excess <= 0 {
			return
		}
		if !lx.mu.TryLock() {
			continue
		}
		lx.mailMu.Lock()
		idle := !lx.driving && len(lx.mailbox) == 0
		lx.mailMu.Unlock()
		if idle {
			delete(e.live, arn)
			lx.ex = nil // a sender that still holds lx reloads it
			excess--
		}
		lx.mu.Unlock()
	}
}

// forget drops an execution from memory; the next event loads it from the store again.
func (e *Engine) forget(lx *liveExecution) {
	e.mu.Lock()
	if e.live[lx.arn] == lx {
		delete(e.live, lx.arn)
	}
	e.mu.Unlock()
}

// load restores an execution from its latest committed snapshot.
func (e *Engine) load(ctx context.Context, lx *liveExecution) error {
	snap, err := e.cfg.Store.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: lx.arn})
	if err != nil {
		return fmt.Errorf("load execution %s: %w", lx.arn, err)
	}
	if snap.Status.Terminal() {
		lx.done = true
		return nil
	}
	ref, ex, err := e.restore(ctx, snap)
	if err != nil {
		return fmt.Errorf("load execution %s: %w", lx.arn, err)
	}
	lx.ref, lx.ex, lx.version = ref, ex, snap.Version
	lx.tokens = map[string]string{}
	walkFrames(ex.State().Root, func(f *interp.Frame) {
		if f.TaskID != "" && f.TaskToken != "" {
			lx.tokens[f.TaskID] = f.TaskToken
		}
	})
	if ex.Result().Status.Terminal() {
		// The process stopped between the step that ended the execution and the one that
		// records its status: finish the job.
		return e.commitEnd(ctx, lx, e.now())
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func walkFrames(f *interp.Frame, visit func(*interp.Frame)) {
	if f == nil {
		return
	}
	visit(f)
	if f.Fan != nil {
		for _, c := range f.Fan.Children {
			walkFrames(c, visit)
		}
	}
}

// outbox is a step translated for the store, plus what to do once it is committed.
type outbox struct {
	params     store.ExecutionStepParams
	invokes    []invocation
	activities []activityTask // tasks queued for activity workers
	cancels    []string       // task ids whose invocation may stop
	timersArm  []*store.TimerAdd
	done       bool
	bookkeep   bool
	children   map[string]*store.ChildExecutionWrite // p.Children by ARN
}

func (o *outbox) empty() bool {
	p := &o.params
	return !o.bookkeep && len(p.Events) == 0 && p.Update == nil && len(p.TimersAdd) == 0 &&
		len(p.TimersDelete) == 0 && len(p.DispatchesAdd) == 0 && len(p.DispatchesDelete) == 0 &&
		len(p.TaskTokensAdd) == 0 && len(p.TaskTokensClose) == 0 && len(p.Children) == 0
}

// invocation is a task to run through the Invoker once its step is committed.
type invocation struct {
	TaskID           string
	Resource         string
	Input            any
	TaskToken        string
	StateName        string
	TimeoutSeconds   int64
	HeartbeatSeconds int64
	Credentials      any // the state's Credentials, evaluated
	// RoleARN is the roleArn of the execution's state machine, kept with the dispatch so a
	// task run again after a restart calls AWS as the same role.
	RoleARN string
	// Attempts is the dispatch's lease count when this process took it, its fencing token;
	// LeasedUntil is when that lease runs out unless renewed.
	Attempts    int
	LeasedUntil time.Time
}

// dispatchDetails is what a dispatch row keeps of its invocation besides the input, so a
// task run again (after a restart, or on another node) runs as it was scheduled.
type dispatchDetails struct {
	StateName        string `json:"stateName,omitempty"`
	TimeoutSeconds   int64  `json:"timeoutSeconds,omitempty"`
	HeartbeatSeconds int64  `json:"heartbeatSeconds,omitempty"`
	Credentials      any    `json:"credentials,omitempty"`
	RoleARN          string `json:"roleArn,omitempty"`
}

func encodeDispatchDetails(c interp.InvokeTask, roleARN string) string {
	if c.StateName == "" && c.TimeoutSeconds == 0 && c.HeartbeatSeconds == 0 && c.Credentials == nil && roleARN == "" {
		return ""
	}
	return encodeJSON(dispatchDetails{StateName: c.StateName, TimeoutSeconds: c.TimeoutSeconds,
		HeartbeatSeconds: c.HeartbeatSeconds, Credentials: c.Credentials, RoleARN: roleARN})
}

// activityEnvelope is the input of an activity dispatch: the worker needs the token with it.
type activityEnvelope struct {
	TaskToken string          `json:"taskToken"`
	Input     json.RawMessage `json:"input"`
}

// outbox translates a step into store rows. Commands that cancel something created in the
// same step cancel out, because the store applies deletions before additions.
func (e *Engine) outbox(lx *liveExecution, step interp.Step, d *delivery, now time.Time) *outbox {
	ob := &outbox{}
	e.addStep(ob, lx, step, d, now)
	return ob
}

// addStep appends one interpreter step (and the rows its delivery consumed) to ob, so that
// several steps of one execution commit as one.
func (e *Engine) addStep(ob *outbox, lx *liveExecution, step interp.Step, d *delivery, now time.Time) {
	ob.done = ob.done || step.Done
	ob.bookkeep = ob.bookkeep || step.Changed // a new snapshot is the whole change (UpdateMapRun)
	p := &ob.params
	for i := range step.Events {
		p.Events = append(p.Events, &step.Events[i])
	}
	for i := range step.Children {
		addChild(ob, &step.Children[i])
	}
	if d != nil {
		if d.timerDone != "" {
			p.TimersDelete = append(p.TimersDelete, d.timerDone)
		}
		if d.fence != nil {
			p.Fences = append(p.Fences, d.fence)
		}
		if d.dispatchDone != "" {
			p.DispatchesDelete = append(p.DispatchesDelete, d.dispatchDone)
		}
		ob.bookkeep = ob.bookkeep || d.event == nil && (d.dispatchDone != "" || d.timerDone != "")
		token := d.tokenDone
		if token == "" && d.event != nil && d.dispatchDone != "" {
			token = lx.tokens[d.dispatchDone]
		}
		if token != "" {
			p.TaskTokensClose = append(p.TaskTokensClose, token)
			delete(lx.tokens, d.dispatchDone)
		}
	}
	for _, c := range step.Commands {
		switch c := c.(type) {
		case interp.InvokeTask:
			e.addTask(lx, ob, c, now)
		case interp.StartTimer:
			t := &store.TimerAdd{TimerID: c.TimerID, FireAt: store.Stamp(c.FireAt)}
			p.TimersAdd = append(p.TimersAdd, t)
			ob.timersArm = append(ob.timersArm, t)
		case interp.CancelTimer:
			if i := indexTimer(p.TimersAdd, c.TimerID); i >= 0 {
				p.TimersAdd = append(p.TimersAdd[:i:i], p.TimersAdd[i+1:]...)
				ob.timersArm = removeTimer(ob.timersArm, c.TimerID)
			} else {
				p.TimersDelete = append(p.TimersDelete, c.TimerID)
			}
		case interp.CancelTask:
			e.cancelTask(lx, ob, c.TaskID)
		}
	}
	if step.Done && p.Update == nil {
		p.Update = endUpdate(lx.ex, now)
	}
	if step.Done && p.Update.Status.Terminal() {
		p.Ended = executionEnd(lx.ex.State())
	}
}

func (e *Engine) addTask(lx *liveExecution, ob *outbox, c interp.InvokeTask, now time.Time) {
	p := &ob.params
	res := sfn.ParseResource(c.Resource)
	input := encodeJSON(c.Input)
	token, queue, activityARN := c.TaskToken, "", ""
	if res.Kind == sfn.ResourceActivity {
		if token == "" {
			token = newTaskToken()
		}
		queue, activityARN = c.Resource, c.Resource
		env, _ := json.Marshal(activityEnvelope{TaskToken: token, Input: json.RawMessage(input)})
		input = string(env)
		ob.activities = append(ob.activities, activityTask{taskID: c.TaskID, activityARN: c.Resource})
	} else {
	}
	add := &store.DispatchAdd{TaskID: c.TaskID, Queue: queue, Resource: c.Resource, Input: input, CreatedDate: now}
	if queue == "" {
		var roleARN string
		if lx.ex != nil { // always so when a step invokes a task
			roleARN = lx.ex.State().Info.RoleARN
		}
		add.Details = encodeDispatchDetails(c, roleARN)
		// This process runs the task as soon as the step commits: lease it from the start,
		// or another node's reaper would take it and run it a second time meanwhile.
		until := now.Add(e.cfg.LeaseDuration)
		add.LeaseOwner, add.LeaseExpiresAt = e.cfg.NodeID, &until
		ob.invokes = append(ob.invokes, invocation{TaskID: c.TaskID, Resource: c.Resource, Input: c.Input,
			TaskToken: c.TaskToken, StateName: c.StateName, TimeoutSeconds: c.TimeoutSeconds, HeartbeatSeconds: c.HeartbeatSeconds,
			Credentials: c.Credentials, RoleARN: roleARN, LeasedUntil: until})
	}
	p.DispatchesAdd = append(p.DispatchesAdd, add)
	if token != "" {
		p.TaskTokensAdd = append(p.TaskTokensAdd, &store.TaskTokenAdd{Token: token, TaskID: c.TaskID,
			ActivityARN: activityARN, CreatedDate: now})
		lx.tokens[c.TaskID] = token
	}
}

func (e *Engine) cancelTask(lx *liveExecution, ob *outbox, taskID string) {
	p := &ob.params
	token := lx.tokens[taskID]
	delete(lx.tokens, taskID)
	for i, d := range p.DispatchesAdd {
		if d.TaskID != taskID {
			continue
		}
		p.DispatchesAdd = append(p.DispatchesAdd[:i:i], p.DispatchesAdd[i+1:]...)
		for j, inv := range ob.invokes {
			if inv.TaskID == taskID {
				ob.invokes = append(ob.invokes[:j:j], ob.invokes[j+1:]...)
				break
			}
		}
		for j, t := range p.TaskTokensAdd {
			if t.TaskID == taskID {
				p.TaskTokensAdd = append(p.TaskTokensAdd[:j:j], p.TaskTokensAdd[j+1:]...)
				break
			}
		}
		return
	}
	p.DispatchesDelete = append(p.DispatchesDelete, taskID)
	if token != "" {
		p.TaskTokensClose = append(p.TaskTokensClose, token)
	}
	ob.cancels = append(ob.cancels, taskID)
}

func indexTimer(ts []*store.TimerAdd, id string) int {
	for i, t := range ts {
		if t.TimerID == id {
			return i
		}
	}
	return -1
}

func removeTimer(ts []*store.TimerAdd, id string) []*store.TimerAdd {
	if i := indexTimer(ts, id); i >= 0 {
		return append(ts[:i:i], ts[i+1:]...)
	}
	return ts
}

// afterCommit starts what a committed step asked for: timers, task invocations, activity
// wake-ups, cancellations. Nothing here needs to be durable: the outbox rows are.
func (e *Engine) afterCommit(lx *liveExecution, ob *outbox) {
	if len(ob.params.Events) > 0 {
		info := lx.ex.State().Info
		if e.history != nil {
			e.history.Record(info.StateMachineARN, lx.arn, info.StartTime, ob.params.Events)
		}
		e.observe(info.StateMachineARN, lx.arn, ob.params.Events)
		e.reportStatusChanges(info.StateMachineARN, lx.arn, ob.params.Events)
	}
	for _, id := range ob.params.TimersDelete {
		e.timers.disarm(lx.arn, id)
	}
	for _, t := range ob.timersArm {
		e.timers.arm(lx.arn, t.TimerID, t.FireAt)
	}
	for _, id := range ob.cancels {
		e.dispatch.cancel(lx.arn, id)
	}
	for _, inv := range ob.invokes {
		e.dispatch.start(lx.arn, inv, inv.LeasedUntil)
	}
	for _, t := range ob.activities {
		e.queues.notify(t.activityARN)
	}
	if len(ob.activities) > 0 {
		e.checkActivities(lx.arn, ob.activities)
	}
	if ob.done {
		e.ended(lx)
	}
}

// ended drops an execution that stopped, with whatever it still had running.
func (e *Engine) ended(lx *liveExecution) {
	lx.done = true
	e.signalEnded(lx.arn)
	if e.endHook != nil {
		e.endHook(lx.arn)
	}
	e.forget(lx)
	e.timers.disarmExecution(lx.arn)
	e.dispatch.cancelExecution(lx.arn)
}

// stop aborts an execution (Standard through a step, Express by cancelling its run).
func (e *Engine) stop(ctx context.Context, arn, errName, cause string) (time.Time, error) {
	if e.stopExpress(arn) {
		return e.now(), nil
	}
	now, err := e.deliver(ctx, arn, delivery{event: interp.StopRequested{Error: errName, Cause: cause}})
	if errors.Is(err, errExecutionEnded) {
		rec, gerr := e.cfg.Store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})
		if gerr != nil {
			return time.Time{}, fmt.Errorf("stop execution: %w", gerr)
		}
		if rec.StopDate != nil {
			return *rec.StopDate, nil
		}
		return e.now(), nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("stop execution: %w", err)
	}
	return now, nil
}

// addChild adds what a step did to a Distributed Map child execution to ob. Steps committed
// together that touch one child make one write: its events in order, its latest status.
func addChild(ob *outbox, c *interp.ChildExecutionStep) {
	p := &ob.params
	w := ob.children[c.ARN]
	if w == nil {
		w = &store.ChildExecutionWrite{ARN: c.ARN, Name: c.Name, MapRunARN: c.MapRunARN, StateMachineARN: c.StateMachineARN,
			Index: c.Index, ItemCount: c.ItemCount, Type: sfn.TypeStandard, StartDate: store.Stamp(c.Start)}
		if c.Express {
			w.Type = sfn.TypeExpress
		}
		if ob.children == nil {
			ob.children = map[string]*store.ChildExecutionWrite{}
		}
		ob.children[c.ARN] = w
		p.Children = append(p.Children, w)
	}
	if c.Started {
		w.Started, w.Input = true, encodeJSON(c.Input)
	}
	w.Status, w.Error, w.Cause, w.RedriveCount = c.Status, c.Error, c.Cause, c.RedriveCount
	w.Output, w.StopDate, w.RedriveDate = nil, nil, nil
	if c.Status == sfn.StatusSucceeded {
		out := encodeJSON(c.Output)
		w.Output = &out
	}
	if !c.Stop.IsZero() {
		stop := store.Stamp(c.Stop)
		w.StopDate = &stop
	}
	if !c.RedriveDate.IsZero() {
		d := store.Stamp(c.RedriveDate)
		w.RedriveDate = &d
	}
	for i := range c.Events {
		w.Events = append(w.Events, &c.Events[i])
	}
}

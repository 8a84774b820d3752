package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// Express executions run in memory with Run, on a program compiled without history: the hot
// path allocates no event and touches no disk. Only their record (input, status, output) is
// stored, so DescribeExecution and the UI can show them.

// expressStopCause is the cause of Express executions found running after a restart: they
// lived in memory only.
const expressStopCause = "The Express execution was lost when its Stepflow process stopped."

func (e *Engine) prepareExpress(t *target, p *StartExecutionParams) (*interp.Program, interp.ExecutionInfo, any, string, error) {
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
		return nil, interp.ExecutionInfo{}, nil, "", &InvalidExecutionInputError{Message: "Invalid State Machine Execution Input: '" + err.Error() + "'"}
	}
	// History only when the state machine's executions are logged: the hot path stays bare.
	prog, err := e.program(t.Definition, t.Type, e.logsExpress(t))
	if err != nil {
		return nil, interp.ExecutionInfo{}, nil, "", err
	}
	info := interp.ExecutionInfo{ExecutionARN: e.cfg.Scope.ExpressExecutionARN(t.Name, name, newUUID()),
		ExecutionName: name, StateMachineARN: t.StateMachineARN, StateMachineName: t.Name, RoleARN: t.RoleARN,
		StartTime: e.now(), Seed: newSeed()}
	return prog, info, input, inputText, nil
}

func (e *Engine) runExpressSync(ctx context.Context, t *target, p *StartExecutionParams) (*SyncResult, error) {
	prog, info, input, inputText, err := e.prepareExpress(t, p)
	if err != nil {
		return nil, err
	}
	e.cfg.Metrics.ExecutionStarted(t.StateMachineARN)
	// Close must not wait for long Express runs: closing the engine stops them too.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.bg, cancel)()
	res, states, err := e.runExpress(runCtx, t, prog, info, input)
	if err != nil {
		return nil, fmt.Errorf("run express execution: %w", err)
	}
	rec := expressRecord(t, info, inputText, p.TraceHeader)
	finishRecord(rec, res, e.now())
	e.cfg.Metrics.ExecutionFinished(t.StateMachineARN, rec.Status, rec.StopDate.Sub(rec.StartDate))
	if err := e.storeExpress(context.WithoutCancel(ctx), rec, states); err != nil {
		e.log.Warn("record express execution", "execution", rec.ARN, "err", err)
	}
	return &SyncResult{Execution: rec}, nil
}

// runExpress runs an Express execution to its end and observes it. It returns the time the
// execution spent per state and, besides the result, an error only when the run broke off:
// one stalled on a task token or activity, which Express executions cannot receive, fails.
func (e *Engine) runExpress(ctx context.Context, t *target, prog *interp.Program, info interp.ExecutionInfo, input any) (interp.Result, []store.StateTime, error) {
	var (
		events []*sfn.HistoryEvent
		states []store.StateTime
	)
	res, err := Run(ctx, prog, RunOptions{Info: info, Input: input, Invoker: e.cfg.Invoker, OnStep: collectEvents(&events),
		OnState: func(s *interp.ExecutionState) { states = stateTimes(s.StateTimes) }})
	e.observeExpress(t, info, events, res)
	if errors.Is(err, ErrStalled) {
		res, err = interp.Result{Status: sfn.StatusFailed, Error: sfn.ErrorRuntime,
			Cause: "The execution waits for a task token or activity, which Express executions cannot receive."}, nil
	}
	return res, states, err
}

func expressRecord(t *target, info interp.ExecutionInfo, input, trace string) *store.Execution {
	return &store.Execution{ARN: info.ExecutionARN, StateMachineARN: t.StateMachineARN,
		StateMachineVersionARN: t.VersionARN, StateMachineAliasARN: t.AliasARN, Name: info.ExecutionName,
		Type: sfn.TypeExpress, Status: sfn.StatusRunning, Input: input, StartDate: info.StartTime, TraceHeader: trace}
}

func finishRecord(rec *store.Execution, res interp.Result, now time.Time) {
	rec.Status, rec.Error, rec.Cause, rec.StopDate = res.Status, res.Error, res.Cause, &now
	if res.Status == sfn.StatusSucceeded {
		out := encodeJSON(res.Output)
		rec.Output = &out
	}
}

// storeExpress writes an ended Express execution's record, with the time it spent per state.
// It goes through the committer, as a Standard start does: records of many
// StartSyncExecution calls share one transaction and one sync instead of paying one each (on
// SQLite 430 µs of server CPU per call before, most of it the commit).
func (e *Engine) storeExpress(ctx context.Context, rec *store.Execution, states []store.StateTime) error {
	created, err := e.commits.create(ctx, &store.ExecutionCreateParams{ARN: rec.ARN,
		StateMachineARN: rec.StateMachineARN, StateMachineVersionARN: rec.StateMachineVersionARN,
		StateMachineAliasARN: rec.StateMachineAliasARN, Name: rec.Name, Type: rec.Type, Status: rec.Status,
		Input: rec.Input, StartDate: rec.StartDate, TraceHeader: rec.TraceHeader,
		Output: rec.Output, Error: rec.Error, Cause: rec.Cause, StopDate: rec.StopDate, EndedStates: states})
	if err != nil {
		return err
	}
	rec.Version = created.Version
	return nil
}

// updateRecord writes the end of an Express execution recorded running, with the time it
// spent per state (none known for one lost in a restart).
func (e *Engine) updateRecord(ctx context.Context, rec *store.Execution, version int64, states []store.StateTime) error {
	err := e.commits.commit(ctx, &store.ExecutionStepParams{ExecutionARN: rec.ARN, ExpectedVersion: version,
		Update: &store.ExecutionUpdate{Status: rec.Status, Output: rec.Output, Error: rec.Error, Cause: rec.Cause,
			StopDate: rec.StopDate},
		Ended: &store.ExecutionEnd{StateMachineARN: rec.StateMachineARN, RunStart: rec.StartDate, States: states}})
	if err != nil {
		rec.Version = version
		return err
	}
	rec.Version = version + 1
	return nil
}

// startExpressAsync records a running Express execution and runs it in the background.
func (e *Engine) startExpressAsync(ctx context.Context, t *target, p *StartExecutionParams) (*store.Execution, error) {
	prog, info, input, inputText, err := e.prepareExpress(t, p)
	if err != nil {
		return nil, err
	}
	rec := expressRecord(t, info, inputText, p.TraceHeader)
	created, err := e.commits.create(ctx, &store.ExecutionCreateParams{ARN: rec.ARN,
		StateMachineARN: rec.StateMachineARN, StateMachineVersionARN: rec.StateMachineVersionARN,
		StateMachineAliasARN: rec.StateMachineAliasARN, Name: rec.Name, Type: rec.Type,
		Input: rec.Input, StartDate: rec.StartDate, TraceHeader: rec.TraceHeader})
	if err != nil {
		return nil, fmt.Errorf("start express execution: %w", err)
	}
	e.cfg.Metrics.ExecutionStarted(t.StateMachineARN)
	runCtx, cancel := context.WithCancel(e.bg)
	e.mu.Lock()
	e.express[rec.ARN] = cancel
	e.mu.Unlock()
	e.loops.Add(1)
	go func() {
		defer e.loops.Done()
		defer cancel()
		res, states, err := e.runExpress(runCtx, t, prog, info, input)
		e.mu.Lock()
		delete(e.express, rec.ARN)
		e.mu.Unlock()
		if err != nil {
			e.log.Warn("express execution", "execution", rec.ARN, "err", err)
		}
		if e.bg.Err() != nil && res.Status == sfn.StatusAborted {
			return // the engine is closing: the next Start records the loss
		}
		final := *rec
		finishRecord(&final, res, e.now())
		e.cfg.Metrics.ExecutionFinished(t.StateMachineARN, final.Status, final.StopDate.Sub(final.StartDate))
		if err := e.updateRecord(context.Background(), &final, created.Version, states); err != nil {
			e.log.Warn("record express execution", "execution", rec.ARN, "err", err)
		}
		e.signalEnded(rec.ARN)
	}()
	return created, nil
}

// stopExpress cancels a running Express execution of this process; its run ends ABORTED.
func (e *Engine) stopExpress(arn string) bool {
	e.mu.Lock()
	cancel, ok := e.express[arn]
	e.mu.Unlock()
	if ok {
		cancel()
	}
	return ok
}

// logsExpress reports whether an Express execution of t must keep its history for the
// execution log.
func (e *Engine) logsExpress(t *target) bool {
	return e.cfg.ExecutionLog != nil && e.loggingConfig(context.Background(), t.StateMachineARN).Enabled()
}

// collectEvents gathers a run's history events (there are none on the bare hot path).
func collectEvents(into *[]*sfn.HistoryEvent) func([]sfn.HistoryEvent) {
	return func(evs []sfn.HistoryEvent) {
		for i := range evs {
			*into = append(*into, &evs[i])
		}
	}
}

// observeExpress reports an Express run: its events when it kept them, else its start and end.
func (e *Engine) observeExpress(t *target, info interp.ExecutionInfo, events []*sfn.HistoryEvent, res interp.Result) {
	if len(events) > 0 {
		e.observe(t.StateMachineARN, info.ExecutionARN, events)
		return
	}
	e.log.Info("execution started", "execution", info.ExecutionARN)
	e.log.Info("execution ended", "execution", info.ExecutionARN, "status", string(res.Status))
}

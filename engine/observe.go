package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/stepflow/stepflow/execlog"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// What the engine tells the outside about executions besides metrics: structured log lines
// (an execution's start and end at info level, each state entered or exited at debug level)
// and, for state machines with a loggingConfiguration, their execution log records.

// endStatus is the status each final event gives an execution.
var endStatus = map[sfn.EventType]sfn.ExecutionStatus{
	sfn.EventExecutionSucceeded: sfn.StatusSucceeded,
	sfn.EventExecutionFailed:    sfn.StatusFailed,
	sfn.EventExecutionAborted:   sfn.StatusAborted,
	sfn.EventExecutionTimedOut:  sfn.StatusTimedOut,
}

// loggingConfigTTL bounds how long a state machine's loggingConfiguration is cached, so an
// UpdateStateMachine takes effect within that time without a store read per step.
const loggingConfigTTL = 5 * time.Second

type loggingConfigs struct {
	mu    sync.Mutex
	byARN map[string]cachedLoggingConfig
}

type cachedLoggingConfig struct {
	cfg     execlog.Config
	fetched time.Time
}

// loggingConfig returns the loggingConfiguration of a state machine (logging off when it
// cannot be read: a log is never a reason to fail an execution).
func (e *Engine) loggingConfig(ctx context.Context, stateMachineARN string) execlog.Config {
	now := time.Now()
	e.logConfigs.mu.Lock()
	c, ok := e.logConfigs.byARN[stateMachineARN]
	e.logConfigs.mu.Unlock()
	if ok && now.Sub(c.fetched) < loggingConfigTTL {
		return c.cfg
	}
	cfg := execlog.Config{Level: "OFF"}
	sm, err := e.cfg.Store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: stateMachineARN})
	if err == nil {
		if parsed, perr := execlog.ParseConfig(sm.LoggingConfiguration); perr == nil {
			cfg = parsed
		}
	}
	e.logConfigs.mu.Lock()
	if e.logConfigs.byARN == nil {
		e.logConfigs.byARN = map[string]cachedLoggingConfig{}
	}
	e.logConfigs.byARN[stateMachineARN] = cachedLoggingConfig{cfg: cfg, fetched: now}
	e.logConfigs.mu.Unlock()
	return cfg
}

// observe reports a committed step's events: log lines, and execution log records when the
// engine has an execution log and the state machine asks for one.
func (e *Engine) observe(stateMachineARN, executionARN string, events []*sfn.HistoryEvent) {
	ctx := context.Background()
	debug := e.log.Enabled(ctx, slog.LevelDebug)
	for _, ev := range events {
		switch t := string(ev.Type); {
		case ev.Type == sfn.EventExecutionStarted:
			e.log.Info("execution started", "execution", executionARN)
		case ev.Type == sfn.EventExecutionRedriven:
			e.log.Info("execution redriven", "execution", executionARN)
		case endStatus[ev.Type] != "":
			e.log.Info("execution ended", "execution", executionARN, "status", string(endStatus[ev.Type]))
		case debug && ev.StateEnteredEventDetails != nil:
			e.log.Debug("state entered", "execution", executionARN, "state", ev.StateEnteredEventDetails.Name, "type", t)
		case debug && ev.StateExitedEventDetails != nil:
			e.log.Debug("state exited", "execution", executionARN, "state", ev.StateExitedEventDetails.Name, "type", t)
		}
	}
	if e.cfg.ExecutionLog == nil || len(events) == 0 {
		return
	}
	cfg := e.loggingConfig(ctx, stateMachineARN)
	if !cfg.Enabled() {
		return
	}
	if err := e.cfg.ExecutionLog.Write(cfg, executionARN, events); err != nil {
		e.log.Warn("write execution log", "execution", executionARN, "err", err)
	}
}

// reportStatusChanges tells Config.OnStatusChange of the status changes among a committed
// step's events.
func (e *Engine) reportStatusChanges(stateMachineARN, executionARN string, events []*sfn.HistoryEvent) {
	if e.cfg.OnStatusChange == nil {
		return
	}
	for _, ev := range events {
		if status := statusAfter(ev); status != "" {
			e.cfg.OnStatusChange(StatusChange{ExecutionARN: executionARN, StateMachineARN: stateMachineARN, Status: status, Time: ev.Timestamp})
		}
	}
}

// statusAfter is the status an event gives its execution, or "" when it changes none.
func statusAfter(ev *sfn.HistoryEvent) sfn.ExecutionStatus {
	if ev.Type == sfn.EventExecutionStarted || ev.Type == sfn.EventExecutionRedriven {
		return sfn.StatusRunning
	}
	return endStatus[ev.Type]
}

// statusChangeDeliveries asks Config.StatusChangeEvents for the event deliveries of the
// status changes among a step's events, described as ex is after the step; input is the
// execution's input text as the start received it, "" when the engine no longer has it
// (the receiver reads it from the store if it needs it); output is the output text the step
// writes, so that it is not encoded a second time for an event nobody may listen to. When that fails (the event bus
// could not read its rules), the step commits without them and the failure is logged: the
// execution must not wait on the event bus.
func (e *Engine) statusChangeDeliveries(ctx context.Context, ex *interp.Execution, input string, output *string, events []*sfn.HistoryEvent) []*store.EventDelivery {
	if e.cfg.StatusChangeEvents == nil {
		return nil
	}
	var changes []StatusChange
	st, r := ex.State(), ex.Result()
	for _, ev := range events {
		status := statusAfter(ev)
		if status == "" {
			continue
		}
		c := StatusChange{ExecutionARN: st.Info.ExecutionARN, StateMachineARN: st.Info.StateMachineARN, Status: status,
			Time: ev.Timestamp, EventID: ev.ID, Name: st.Info.ExecutionName, Input: input, StartDate: st.Info.StartTime,
			RedriveCount: r.RedriveCount}
		if !st.RedriveDate.IsZero() {
			c.RedriveDate = &st.RedriveDate
		}
		if status != sfn.StatusRunning {
			c.Error, c.Cause = r.Error, r.Cause
			if status == sfn.StatusSucceeded {
				c.Output = output
				if c.Output == nil {
					out := encodeJSON(r.Output)
					c.Output = &out
				}
			}
		}
		changes = append(changes, c)
	}
	if len(changes) == 0 {
		return nil
	}
	ds, err := e.cfg.StatusChangeEvents(ctx, changes)
	if err != nil {
		e.log.Warn("status-change events not written", "execution", changes[0].ExecutionARN, "err", err)
		return nil
	}
	return ds
}

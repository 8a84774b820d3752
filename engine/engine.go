package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// Config configures an Engine.
type Config struct {
	Store        store.Store
	Invoker      task.Invoker // runs Task states (a *task.Router in the server)
	Scope        sfn.Scope
	PayloadLimit int // bytes; 0 means sfn.DefaultPayloadLimit; negative means no limit
	Logger       *slog.Logger
	// Now is the clock; nil means time.Now. Tests pass a controllable clock.
	Now func() time.Time
	// NodeID names this process in dispatch leases (several nodes may share PostgreSQL).
	NodeID string
}

// Engine runs Standard executions durably through its store and Express executions in memory.
// The API server and the UI call it; it owns execution lifecycles, timers, task dispatch,
// task tokens and activities.
type Engine struct {
	cfg Config
}

// ErrNotImplemented marks engine operations not built yet.
var ErrNotImplemented = errors.New("engine: not implemented yet")

// New returns an engine; Start begins its background work.
func New(cfg Config) (*Engine, error) { return &Engine{cfg: cfg}, nil }

// Start recovers running executions (resuming each where its last committed step left it,
// firing due timers, re-dispatching tasks in flight) and starts the background loops.
func (e *Engine) Start(ctx context.Context) error { return ErrNotImplemented }

// Close stops accepting work, finishes in-flight steps and leaves durable executions to resume
// on the next Start.
func (e *Engine) Close(ctx context.Context) error { return nil }

// StartExecutionParams starts an execution of a state machine (or one of its versions/aliases).
type StartExecutionParams struct {
	StateMachineARN string // may be a version ARN (…:NAME:3) or an alias ARN (…:NAME:alias)
	Name            string // "" means a new UUID
	Input           string // JSON text; "" means "{}"
	TraceHeader     string
}

// StartExecution starts a Standard execution durably (or an Express one in memory,
// asynchronously). Same name and same input as an existing execution of the same state
// machine returns that execution (idempotent); a different input gives *ExecutionAlreadyExistsError.
func (e *Engine) StartExecution(ctx context.Context, p *StartExecutionParams) (*store.Execution, error) {
	return nil, ErrNotImplemented
}

// SyncResult is StartSyncExecution's answer.
type SyncResult struct {
	Execution *store.Execution // status, output, error, cause, dates filled in
}

// StartSyncExecution runs an Express execution to its end and returns its result.
func (e *Engine) StartSyncExecution(ctx context.Context, p *StartExecutionParams) (*SyncResult, error) {
	return nil, ErrNotImplemented
}

// StopExecution aborts a running execution (status ABORTED, event ExecutionAborted with error
// and cause) and returns its stop date.
func (e *Engine) StopExecution(ctx context.Context, executionARN, errName, cause string) (time.Time, error) {
	return time.Time{}, ErrNotImplemented
}

// RedriveExecution restarts a FAILED, TIMED_OUT or ABORTED Standard execution from its
// failed states, as AWS's RedriveExecution does, and returns the redrive date.
func (e *Engine) RedriveExecution(ctx context.Context, executionARN string) (time.Time, error) {
	return time.Time{}, ErrNotImplemented
}

// SendTaskSuccess completes the task waiting on token with output (JSON text).
func (e *Engine) SendTaskSuccess(ctx context.Context, token, output string) error {
	return ErrNotImplemented
}

// SendTaskFailure fails the task waiting on token.
func (e *Engine) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return ErrNotImplemented
}

// SendTaskHeartbeat records a heartbeat for the task waiting on token.
func (e *Engine) SendTaskHeartbeat(ctx context.Context, token string) error {
	return ErrNotImplemented
}

// ActivityTask is one task handed to an activity worker.
type ActivityTask struct {
	TaskToken string
	Input     string // JSON text
}

// GetActivityTask long-polls (until ctx ends, the API uses 60 s) for a task of the activity;
// nil means none arrived in time.
func (e *Engine) GetActivityTask(ctx context.Context, activityARN, workerName string) (*ActivityTask, error) {
	return nil, ErrNotImplemented
}

// Store returns the engine's store, for the API's read-only and CRUD actions.
func (e *Engine) Store() store.Store { return e.cfg.Store }

// Scope returns the partition, region and account of the engine's ARNs.
func (e *Engine) Scope() sfn.Scope { return e.cfg.Scope }

// ExecutionAlreadyExistsError is StartExecution's answer for a name reused with another input.
type ExecutionAlreadyExistsError struct{ ExecutionARN string }

func (e *ExecutionAlreadyExistsError) Error() string {
	return "Execution Already Exists: '" + e.ExecutionARN + "'"
}

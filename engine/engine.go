package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/execlog"

	"github.com/stepflow/stepflow/metrics"
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
	// NodeID names this process in dispatch leases (several nodes may share PostgreSQL). It
	// must be unique among the engines running on one store at a time, and should stay the
	// same across restarts: Start frees the leases held under it, which only an earlier life
	// of this engine can have taken, so their tasks run again at once instead of when the
	// leases run out. Empty: a random name (leases of a crashed run then wait to expire).
	NodeID string

	// Retention is how long finished executions are kept; 0 means DefaultRetention and a
	// negative value keeps them forever.
	Retention time.Duration
	// RetentionSweepInterval is how often the retention sweeper runs; 0 means one hour.
	RetentionSweepInterval time.Duration
	// LeaseDuration is how long a leased dispatch belongs to its node before another node may
	// run it again; the node renews the leases of its running tasks every third of it, so a
	// node that dies hands its tasks over within about 4/3 of it. 0 means DefaultLeaseDuration.
	LeaseDuration time.Duration
	// TimerPollInterval is how often the store is asked for due timers that this process does
	// not know about (armed by another node or before a restart); 0 means one second.
	TimerPollInterval time.Duration
	// MaxBatch caps how many steps one store transaction commits; 0 means DefaultMaxBatch and
	// 1 turns batching off.
	MaxBatch int
	// MaxLiveExecutions caps how many running Standard executions are kept in memory between
	// steps; beyond it idle ones are dropped and reloaded from their snapshot when their next
	// event comes. 0 means DefaultMaxLiveExecutions.
	MaxLiveExecutions int
	// CommitWorkers is how many transactions may be written at once; 0 means 1, right for
	// SQLite (one writer). PostgreSQL gains from a few.
	CommitWorkers int
	// Metrics receives execution and task counts and timings; nil records nothing. Standard
	// executions report from the history events of each committed step.
	Metrics metrics.Recorder
	// SharedStore says other engines use the same store (several nodes on PostgreSQL): Start
	// then leaves RUNNING Express records alone, since they may be another node's live runs
	// (Express executions live in the memory of the process that runs them). Alone on a store,
	// Start records them ABORTED: they died with the previous process.
	SharedStore bool
	// ExecutionLog, when set, receives the history of executions whose state machine has a
	// loggingConfiguration (level ALL, ERROR or FATAL), as Step Functions sends it to CloudWatch Logs.
	ExecutionLog *execlog.Writer
	// OnStatusChange, when set, learns of every status change of a Standard execution
	// (started, redriven, ended) once the step that made it is committed. It is called on the
	// engine's commit path and must return at once.
	OnStatusChange func(StatusChange)
	// StatusChangeEvents, when set, turns the status changes of a Standard execution's step
	// into event deliveries (the event bus's StatusChangeDeliveries) before the step
	// commits; the step's transaction writes them, so a committed status change is never
	// without its event, even after kill -9. It is called on the execution's goroutine; a
	// step that is not committed (a conflict, a crash) drops what it returned.
	StatusChangeEvents func(ctx context.Context, changes []StatusChange) ([]*store.EventDelivery, error)
}

// StatusChange is a Standard execution's new status, as Step Functions reports it to
// EventBridge: RUNNING when it starts or is redriven, then SUCCEEDED, FAILED, TIMED_OUT or
// ABORTED.
type StatusChange struct {
	ExecutionARN    string
	StateMachineARN string
	Status          sfn.ExecutionStatus
	Time            time.Time

	// What AWS's status-change event tells besides, as the step leaves the execution
	// (filled for StatusChangeEvents; OnStatusChange gets the fields above only).
	EventID      int64 // the history event that made the change
	Name         string
	Input        string // the input text as given; "" after the start step (read it from the store)
	StartDate    time.Time
	Output       *string // SUCCEEDED only
	Error, Cause string  // FAILED, TIMED_OUT, ABORTED
	RedriveCount int
	RedriveDate  *time.Time
}

// Defaults of the Config fields left zero.
const (
	DefaultRetention     = 90 * 24 * time.Hour
	DefaultLeaseDuration = 15 * time.Second
	DefaultMaxBatch      = 512

	DefaultMaxLiveExecutions = 10000
)

// Engine runs Standard executions durably through its store and Express executions in memory.
// The API server and the UI call it; it owns execution lifecycles, timers, task dispatch,
// task tokens and activities.
type Engine struct {
	cfg Config
	log *slog.Logger
	// logConfigs caches state machines' loggingConfiguration for observe.
	logConfigs loggingConfigs

	programs programCache
	targets  targetCache
	history  *metrics.HistoryRecorder // nil without Config.Metrics

	// gate lets Close wait for every step being committed: steps hold it shared.
	gate    sync.RWMutex
	closing atomic.Bool
	started atomic.Bool

	// recovered is closed when the recovery pass that Start begins has ended (or the engine
	// closed first); recoverFrom is when Start ran: records started since are this process's.
	recovered   chan struct{}
	recoverFrom time.Time

	bg       context.Context // cancelled by Close: stops loops and in-flight invocations
	stopBg   context.CancelFunc
	loops    sync.WaitGroup // background loops and invocation goroutines
	commits  *committer
	timers   *timerLoop
	dispatch *dispatcher
	queues   *activityQueues

	// endHook, when set (by tests and benchmarks), learns of every Standard execution that ends.
	endHook func(arn string)

	mu   sync.Mutex
	live map[string]*liveExecution // Standard executions held in memory, by ARN
	// awaiting holds the channels of AwaitExecution callers, by execution ARN.
	awaiting map[string][]chan struct{}
	express  map[string]context.CancelFunc
}

// ErrClosed is returned by operations called after Close.
var ErrClosed = errors.New("engine: closed")

// New returns an engine; Start begins its background work.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil {
		return nil, errors.New("engine: no store configured")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Scope == (sfn.Scope{}) {
		cfg.Scope = sfn.DefaultScope
	}
	if cfg.NodeID == "" {
		cfg.NodeID = "node-" + newUUID()[:8]
	}
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.RetentionSweepInterval <= 0 {
		cfg.RetentionSweepInterval = time.Hour
	}
	if cfg.LeaseDuration <= 0 {
		cfg.LeaseDuration = DefaultLeaseDuration
	}
	if cfg.TimerPollInterval <= 0 {
		cfg.TimerPollInterval = time.Second
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.CommitWorkers <= 0 {
		cfg.CommitWorkers = 1
	}
	if cfg.MaxLiveExecutions <= 0 {
		cfg.MaxLiveExecutions = DefaultMaxLiveExecutions
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, live: map[string]*liveExecution{}, express: map[string]context.CancelFunc{},
		recovered: make(chan struct{})}
	e.bg, e.stopBg = context.WithCancel(context.Background())
	e.commits = newCommitter(cfg.Store, cfg.MaxBatch, cfg.CommitWorkers)
	e.commits.start()
	e.timers = newTimerLoop(e)
	e.dispatch = newDispatcher(e)
	e.queues = newActivityQueues()
	if cfg.Metrics == nil {
		e.cfg.Metrics = metrics.Discard
	} else {
		e.history = metrics.NewHistoryRecorder(cfg.Metrics)
	}
	return e, nil
}

// Start recovers running executions (resuming each where its last committed step left it,
// firing due timers, re-dispatching tasks in flight) and starts the background loops.
func (e *Engine) Start(ctx context.Context) error {
	if e.closing.Load() {
		return ErrClosed
	}
	if !e.started.CompareAndSwap(false, true) {
		return errors.New("engine: already started")
	}
	// Nothing runs here yet, so a lease held under this node's name is an earlier life's.
	released, err := e.cfg.Store.DispatchRelease(ctx, &store.DispatchReleaseParams{Owner: e.cfg.NodeID})
	if err != nil {
		return fmt.Errorf("engine: release the task leases of an earlier run: %w", err)
	}
	if released > 0 {
		e.log.Info("released task leases of an earlier run", "node", e.cfg.NodeID, "count", released)
	}
	e.recoverFrom = e.now()
	e.goLoop(e.recover)
	e.goLoop(e.timers.run)
	e.goLoop(e.dispatch.reap)
	if e.cfg.Retention > 0 {
		e.goLoop(e.sweepRetention)
	}
	return nil
}

func (e *Engine) goLoop(f func(ctx context.Context)) {
	e.loops.Add(1)
	go func() {
		defer e.loops.Done()
		f(e.bg)
	}()
}

// Close stops accepting work, finishes in-flight steps and leaves durable executions to resume
// on the next Start.
func (e *Engine) Close(ctx context.Context) error {
	if !e.closing.CompareAndSwap(false, true) {
		return nil
	}
	// Cancelling first drops results of invocations still running: their dispatches stay in
	// the store and run again after the next Start.
	e.stopBg()
	done := make(chan struct{})
	go func() {
		e.gate.Lock() // waits for steps being committed
		e.gate.Unlock()
		e.loops.Wait()
		e.commits.stop()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("engine: close: %w", ctx.Err())
	}
}

// enter admits one operation that may commit steps; leave must follow.
func (e *Engine) enter() error {
	e.gate.RLock()
	if e.closing.Load() {
		e.gate.RUnlock()
		return ErrClosed
	}
	return nil
}

func (e *Engine) leave() { e.gate.RUnlock() }

func (e *Engine) now() time.Time { return store.Stamp(e.cfg.Now()) }

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
	if err := e.enter(); err != nil {
		return nil, err
	}
	defer e.leave()
	target, err := e.resolveTarget(ctx, p.StateMachineARN)
	if err != nil {
		return nil, err
	}
	if target.Type == sfn.TypeExpress {
		return e.startExpressAsync(ctx, target, p)
	}
	return e.startStandard(ctx, target, p)
}

// SyncResult is StartSyncExecution's answer.
type SyncResult struct {
	Execution *store.Execution // status, output, error, cause, dates filled in
}

// StartSyncExecution runs an Express execution to its end and returns its result.
func (e *Engine) StartSyncExecution(ctx context.Context, p *StartExecutionParams) (*SyncResult, error) {
	if err := e.enter(); err != nil {
		return nil, err
	}
	defer e.leave()
	target, err := e.resolveTarget(ctx, p.StateMachineARN)
	if err != nil {
		return nil, err
	}
	if target.Type != sfn.TypeExpress {
		return nil, &StateMachineTypeNotSupportedError{StateMachineARN: target.StateMachineARN}
	}
	return e.runExpressSync(ctx, target, p)
}

// StopExecution aborts a running execution (status ABORTED, event ExecutionAborted with error
// and cause) and returns its stop date.
func (e *Engine) StopExecution(ctx context.Context, executionARN, errName, cause string) (time.Time, error) {
	if err := e.enter(); err != nil {
		return time.Time{}, err
	}
	defer e.leave()
	return e.stop(ctx, executionARN, errName, cause)
}

// RedriveExecution restarts a FAILED, TIMED_OUT or ABORTED Standard execution from its
// failed states, as AWS's RedriveExecution does, and returns the redrive date.
func (e *Engine) RedriveExecution(ctx context.Context, executionARN string) (time.Time, error) {
	if err := e.enter(); err != nil {
		return time.Time{}, err
	}
	defer e.leave()
	return e.redrive(ctx, executionARN)
}

// SendTaskSuccess completes the task waiting on token with output (JSON text).
func (e *Engine) SendTaskSuccess(ctx context.Context, token, output string) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.leave()
	return e.sendTaskSuccess(ctx, token, output)
}

// SendTaskFailure fails the task waiting on token.
func (e *Engine) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.leave()
	return e.sendTaskFailure(ctx, token, errName, cause)
}

// SendTaskHeartbeat records a heartbeat for the task waiting on token.
func (e *Engine) SendTaskHeartbeat(ctx context.Context, token string) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.leave()
	return e.sendTaskHeartbeat(ctx, token)
}

// ActivityTask is one task handed to an activity worker.
type ActivityTask struct {
	TaskToken string
	Input     string // JSON text
}

// GetActivityTask long-polls (until ctx ends, the API uses 60 s) for a task of the activity;
// nil means none arrived in time.
func (e *Engine) GetActivityTask(ctx context.Context, activityARN, workerName string) (*ActivityTask, error) {
	if e.closing.Load() {
		return nil, ErrClosed
	}
	return e.getActivityTask(ctx, activityARN, workerName)
}

// Store returns the engine's store, for the API's read-only and CRUD actions.
func (e *Engine) Store() store.Store { return e.cfg.Store }

// Scope returns the partition, region and account of the engine's ARNs.
func (e *Engine) Scope() sfn.Scope { return e.cfg.Scope }

package store

import (
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// ExecutionStepParams is one interpreter step of one execution, committed atomically by
// ExecutionStep when the execution is still at ExpectedVersion.
type ExecutionStepParams struct {
	ExecutionARN    string
	ExpectedVersion int64
	// Snapshot replaces the stored snapshot (nil stores an empty one).
	Snapshot []byte
	// Events are appended to the history; their ids must be new for the execution.
	Events []*sfn.HistoryEvent
	// EncodedEvents, when not nil, is Events encoded by EncodeEvents: the store writes that
	// text instead of encoding the events itself.
	EncodedEvents *EncodedEvents
	// Update, when not nil, replaces the execution's status fields; nil keeps them.
	Update *ExecutionUpdate

	TimersAdd    []*TimerAdd
	TimersDelete []string // timer ids of this execution
	// DispatchesAdd queues task invocations (the outbox); an existing task id is replaced.
	DispatchesAdd    []*DispatchAdd
	DispatchesDelete []string // task ids of this execution
	TaskTokensAdd    []*TaskTokenAdd
	TaskTokensClose  []string // tokens whose task finished (closed tokens stay readable)
	// EventDeliveries are event deliveries the step makes (its status-change events, matched
	// to rules), written in the step's transaction so that a status change committed is a
	// status-change event delivered. A delivery whose id exists already is left as it is.
	EventDeliveries []*EventDelivery
	// Fences commit the step only while each dispatch they name is still held as it says;
	// otherwise the step writes nothing and fails with a *LeaseLostError naming the first
	// fence that failed.
	Fences []*DispatchFence
	// Ended, set with an Update whose status is terminal, adds the run that ended to the
	// performance rollups in the step's transaction.
	Ended    *ExecutionEnd // Children are the Distributed Map child executions the step started, advanced or ended.
	Children []*ChildExecutionWrite
}

// ExecutionUpdate is the new value of an execution's status fields, all set together.
// When Status is terminal the store also deletes the execution's remaining timers and
// dispatches and closes its open task tokens: a stopped execution leaves no work behind.
type ExecutionUpdate struct {
	Status       sfn.ExecutionStatus
	Output       *string
	Error        string
	Cause        string
	StopDate     *time.Time
	RedriveCount int
	RedriveDate  *time.Time
}

package store

import (
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// Execution is an execution's row as DescribeExecution needs it. The interpreter's own state
// is the snapshot, read with ExecutionSnapshotGet.
type Execution struct {
	ARN                    string
	StateMachineARN        string
	StateMachineVersionARN string // "" when started on the unversioned state machine
	StateMachineAliasARN   string // "" when not started through an alias
	Name                   string
	Type                   sfn.StateMachineType
	Status                 sfn.ExecutionStatus
	Input                  string  // JSON text
	Output                 *string // JSON text; nil until the execution succeeds
	Error                  string
	Cause                  string
	StartDate              time.Time
	StopDate               *time.Time
	RedriveCount           int
	RedriveDate            *time.Time
	TraceHeader            string
	// Version counts the committed steps: 1 after ExecutionCreate.
	Version int64
}

// ExecutionCreateParams inserts an execution (status RUNNING unless Status says otherwise)
// with its first step. An execution that ended with its first step (or an Express record
// written when it ended) is created ended: Status terminal, with Output, Error, Cause and
// StopDate, in one commit.
type ExecutionCreateParams struct {
	ARN                    string
	StateMachineARN        string
	StateMachineVersionARN string
	StateMachineAliasARN   string
	Name                   string
	Type                   sfn.StateMachineType
	Status                 sfn.ExecutionStatus // "" means StatusRunning
	Input                  string
	StartDate              time.Time
	TraceHeader            string
	Output                 *string
	Error                  string
	Cause                  string
	StopDate               *time.Time

	Snapshot []byte
	Events   []*sfn.HistoryEvent
	// EncodedEvents, when not nil, is Events encoded by EncodeEvents (see ExecutionStepParams).
	EncodedEvents *EncodedEvents
	Timers        []*TimerAdd
	Dispatches    []*DispatchAdd
	TaskTokens    []*TaskTokenAdd
	// EventDeliveries are written with the start (see ExecutionStepParams.EventDeliveries).
	EventDeliveries []*EventDelivery
	// EndedStates is the time spent per state of an execution created ended (Status
	// terminal): its end is added to the performance rollups with these. Every created
	// execution is counted as started.
	EndedStates []StateTime
	// Children are the Distributed Map child executions the first step started.
	Children []*ChildExecutionWrite
}

// ExecutionGetByARNParams names an execution.
type ExecutionGetByARNParams struct {
	ARN string
}

// ExecutionListParams filters and pages executions; empty filters match all.
type ExecutionListParams struct {
	StateMachineARN        string
	StateMachineVersionARN string
	StateMachineAliasARN   string
	Status                 sfn.ExecutionStatus
	// Type, when set, keeps executions of that type only (recovery lists running Express ones).
	Type       sfn.StateMachineType
	MaxResults int
	NextToken  string
}

// MaxRecoveryChecks bounds one RecoveryCheckList answer.
const MaxRecoveryChecks = 1000

// ExecutionListResult is one page, newest first; NextToken is "" on the last.
type ExecutionListResult struct {
	Executions []*Execution
	NextToken  string
}

// ExecutionTimingListParams selects the executions of StateMachineARN (of every version and
// alias) that started at or after StartedFrom and before StartedBefore. Limit bounds the
// answer (0 or more than MaxExecutionTimings means MaxExecutionTimings).
type ExecutionTimingListParams struct {
	StateMachineARN string
	StartedFrom     time.Time
	StartedBefore   time.Time
	Limit           int
}

// MaxExecutionTimings bounds one ExecutionTimingList answer.
const MaxExecutionTimings = 100000

// ExecutionTiming is an execution's outcome and times. Error is the error name of a failed
// execution ("" otherwise).
type ExecutionTiming struct {
	ARN       string
	Status    sfn.ExecutionStatus
	Error     string
	StartDate time.Time
	StopDate  *time.Time
}

// ExecutionTimingListResult holds the timings, newest first. Truncated says that more
// executions started in the range than the limit let through: the oldest were left out.
type ExecutionTimingListResult struct {
	Timings   []*ExecutionTiming
	Truncated bool
}

// ExecutionCountParams counts the executions in Status that started at or after StartedFrom
// (zero: ever). Limit bounds the count (0 or more than MaxExecutionCount means
// MaxExecutionCount), so its cost does not grow with the history kept.
type ExecutionCountParams struct {
	Status      sfn.ExecutionStatus
	StartedFrom time.Time
	Limit       int
}

// MaxExecutionCount bounds one ExecutionCount.
const MaxExecutionCount = 10000

// ExecutionCountResult is the count; AtLeast says the limit stopped it: there are Count or more.
type ExecutionCountResult struct {
	Count   int
	AtLeast bool
}

// ExecutionSnapshotGetParams names the execution whose snapshot to read.
type ExecutionSnapshotGetParams struct {
	ExecutionARN string
}

// ExecutionSnapshot is the interpreter's opaque state at Version.
type ExecutionSnapshot struct {
	ExecutionARN string
	Version      int64
	Status       sfn.ExecutionStatus
	Input        string // the execution's input, which a snapshot need not repeat
	Snapshot     []byte
}

// ExecutionDeleteFinishedBeforeParams selects executions for retention: not running, stopped
// before Before. Limit bounds one call (0 means 1000) so a sweep never holds a long lock.
type ExecutionDeleteFinishedBeforeParams struct {
	Before time.Time
	Limit  int
}

package store

import (
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// A Distributed Map's iterations are child executions (AWS's child workflow executions): each
// has an ARN, a status and a history of its own, written by the steps of its parent
// (ExecutionStepParams.Children) in their transactions. They are kept apart from executions:
// recovery never runs them, ExecutionList never lists them, and retention deletes them with
// their parent.

// ChildExecutionWrite is what one step of the parent writes for one child: its status fields as
// they now stand, and the history events it appended.
type ChildExecutionWrite struct {
	ARN, Name       string
	MapRunARN       string
	StateMachineARN string
	Index           int
	ItemCount       int64
	Type            sfn.StateMachineType
	// Started: the child is new; Input and StartDate are written only then.
	Started   bool
	Input     string
	StartDate time.Time

	Status       sfn.ExecutionStatus
	Output       *string
	Error, Cause string
	StopDate     *time.Time
	RedriveCount int
	RedriveDate  *time.Time
	// Events continue the child's history; their ids must be new for the child.
	Events []*sfn.HistoryEvent
}

// ChildExecution is a stored child execution.
type ChildExecution struct {
	ARN, Name       string
	MapRunARN       string
	ParentARN       string
	StateMachineARN string
	Index           int
	ItemCount       int64
	Type            sfn.StateMachineType
	Status          sfn.ExecutionStatus
	Input           string
	Output          *string
	Error, Cause    string
	StartDate       time.Time
	StopDate        *time.Time
	RedriveCount    int
	RedriveDate     *time.Time
}

// ChildExecutionGetByARNParams names a child execution.
type ChildExecutionGetByARNParams struct {
	ARN string
}

// ChildExecutionListParams pages through one map run's children, newest first (by start date,
// then index), optionally of one status.
type ChildExecutionListParams struct {
	MapRunARN string
	Status    sfn.ExecutionStatus
	// Redriven, when set, keeps the children redriven at least once (true) or never (false).
	Redriven   *bool
	MaxResults int
	NextToken  string
}

// ChildExecutionListResult is one page; NextToken is "" on the last.
type ChildExecutionListResult struct {
	Children  []*ChildExecution
	NextToken string
}

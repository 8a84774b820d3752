package sfn

// ExecutionStatus is the status of an execution as DescribeExecution reports it.
type ExecutionStatus string

// The execution statuses of the AWS API.
const (
	StatusRunning        ExecutionStatus = "RUNNING"
	StatusSucceeded      ExecutionStatus = "SUCCEEDED"
	StatusFailed         ExecutionStatus = "FAILED"
	StatusTimedOut       ExecutionStatus = "TIMED_OUT"
	StatusAborted        ExecutionStatus = "ABORTED"
	StatusPendingRedrive ExecutionStatus = "PENDING_REDRIVE"
)

// Terminal reports whether an execution in this status will never change again
// (short of a redrive).
func (s ExecutionStatus) Terminal() bool {
	return s != StatusRunning && s != StatusPendingRedrive && s != ""
}

// StateMachineType is STANDARD (durable, exactly-once transitions) or EXPRESS (in memory).
type StateMachineType string

// The state machine types of the AWS API.
const (
	TypeStandard StateMachineType = "STANDARD"
	TypeExpress  StateMachineType = "EXPRESS"
)

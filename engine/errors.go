package engine

import "fmt"

// The typed errors below are the AWS errors of the engine's operations; the API server maps
// each to the AWS error code of the same name. A missing state machine, version, alias,
// execution or activity comes back as the store's *store.NotFoundError, wrapped.

// ExecutionAlreadyExistsError is StartExecution's answer for a name reused with another input
// (or the name of an execution that has ended).
type ExecutionAlreadyExistsError struct{ ExecutionARN string }

func (e *ExecutionAlreadyExistsError) Error() string {
	return "Execution Already Exists: '" + e.ExecutionARN + "'"
}

// InvalidExecutionInputError is StartExecution's answer for input that is not JSON or too large.
type InvalidExecutionInputError struct{ Message string }

func (e *InvalidExecutionInputError) Error() string { return e.Message }

// InvalidOutputError is SendTaskSuccess's answer for output that is not JSON.
type InvalidOutputError struct{ Message string }

func (e *InvalidOutputError) Error() string { return e.Message }

// StateMachineTypeNotSupportedError is StartSyncExecution's answer for a Standard state machine.
type StateMachineTypeNotSupportedError struct{ StateMachineARN string }

func (e *StateMachineTypeNotSupportedError) Error() string {
	return "This operation is not supported by this type of state machine"
}

// TaskDoesNotExistError is the answer of SendTask* for a token the engine never handed out.
type TaskDoesNotExistError struct{}

func (e *TaskDoesNotExistError) Error() string { return "Task Does Not Exist" }

// TaskTimedOutError is the answer of SendTask* for a token whose task already ended: it timed
// out, was answered before, or its execution stopped. AWS words it this way for all three.
type TaskTimedOutError struct{}

func (e *TaskTimedOutError) Error() string {
	return "Task Timed Out: 'Provided task does not exist anymore'"
}

// InvalidTokenError is the answer of SendTask* for an empty or oversized token.
type InvalidTokenError struct{ Message string }

func (e *InvalidTokenError) Error() string { return e.Message }

// ExecutionNotRunningError is returned for operations on an execution that has ended, such as
// redriving one that is still running.
type ExecutionNotRunningError struct {
	ExecutionARN string
	Status       string
}

func (e *ExecutionNotRunningError) Error() string {
	return fmt.Sprintf("execution %s is %s", e.ExecutionARN, e.Status)
}

// ExecutionNotRedrivableError is RedriveExecution's answer for an execution that cannot be
// redriven (running, succeeded, Express, or ended before redrive was recorded).
type ExecutionNotRedrivableError struct {
	ExecutionARN string
	Reason       string
}

func (e *ExecutionNotRedrivableError) Error() string { return e.Reason }

package sfn

import (
	"strconv"
	"time"
)

// The predefined error names of the Amazon States Language. A state machine can match on
// them in Retry and Catch; the interpreter raises them with AWS's cause texts.
const (
	ErrorAll                             = "States.ALL"
	ErrorHeartbeatTimeout                = "States.HeartbeatTimeout"
	ErrorTimeout                         = "States.Timeout"
	ErrorTaskFailed                      = "States.TaskFailed"
	ErrorPermissions                     = "States.Permissions"
	ErrorResultPathMatchFailure          = "States.ResultPathMatchFailure"
	ErrorParameterPathFailure            = "States.ParameterPathFailure"
	ErrorQueryEvaluationError            = "States.QueryEvaluationError"
	ErrorBranchFailed                    = "States.BranchFailed"
	ErrorNoChoiceMatched                 = "States.NoChoiceMatched"
	ErrorIntrinsicFailure                = "States.IntrinsicFailure"
	ErrorExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	ErrorItemReaderFailed                = "States.ItemReaderFailed"
	ErrorResultWriterFailed              = "States.ResultWriterFailed"
	ErrorRuntime                         = "States.Runtime"
	ErrorDataLimitExceeded               = "States.DataLimitExceeded"
)

// DefaultPayloadLimit is AWS's quota on the size of a state's input or output and of an
// execution's input: 256 KiB of UTF-8 encoded JSON. It is a default, not a constant of the
// engine: callers pass their own limit (0 means no limit) through configuration.
const DefaultPayloadLimit = 256 * 1024

// HistoryEventLimit is AWS's hard quota on the events in one Standard execution's history.
// Event number HistoryEventLimit is either ExecutionSucceeded or, whatever the execution was
// about to do, an ExecutionFailed with ErrorRuntime and HistoryLimitCause. Express executions
// keep no history on AWS and have no such limit.
const HistoryEventLimit = 25000

// ExpressDurationLimit is the longest an Express execution runs on AWS, a Distributed Map's
// Express child executions included: one still running then times out (States.Timeout).
const ExpressDurationLimit = 5 * time.Minute

// HistoryLimitCause is the cause AWS records when an execution's history reaches limit events.
func HistoryLimitCause(limit int) string {
	return "The execution reached the maximum number of history events (" + strconv.Itoa(limit) + ")."
}

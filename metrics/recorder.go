package metrics

import (
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// TaskKind is the kind of work a Task state hands out, as CloudWatch groups task metrics.
type TaskKind string

// Task kinds.
const (
	Activity           TaskKind = "activity"            // an activity ARN; dimension ActivityArn
	LambdaFunction     TaskKind = "lambda"              // a Lambda function ARN as Resource; dimension LambdaFunctionArn
	ServiceIntegration TaskKind = "service_integration" // arn:aws:states:::service:action[.pattern]; dimension ServiceIntegrationResourceArn
)

// TaskOutcome is how a task ended.
type TaskOutcome string

// Task outcomes.
const (
	TaskSucceeded         TaskOutcome = "succeeded"
	TaskFailed            TaskOutcome = "failed"
	TaskTimedOut          TaskOutcome = "timed_out"
	TaskHeartbeatTimedOut TaskOutcome = "heartbeat_timed_out" // activities only, as on AWS
)

// Recorder is what the engine tells metrics. Implementations must be safe for concurrent use
// and cheap: the engine calls them on its hot path.
type Recorder interface {
	// ExecutionStarted counts an execution (Standard or Express) that began.
	ExecutionStarted(stateMachineARN string)
	// ExecutionFinished counts an execution that closed with status (SUCCEEDED, FAILED,
	// ABORTED or TIMED_OUT) after duration, from its start (or last redrive) to its stop.
	ExecutionFinished(stateMachineARN string, status sfn.ExecutionStatus, duration time.Duration)
	// ExecutionThrottled counts a StartExecution refused for lack of capacity.
	ExecutionThrottled(stateMachineARN string)
	// ExecutionRedriven counts a RedriveExecution that restarted an execution.
	ExecutionRedriven(stateMachineARN string)

	// TaskScheduled counts a task handed to a worker, Lambda function or integration.
	TaskScheduled(kind TaskKind, resource string)
	// TaskStarted counts a task a worker picked up; waited is the time since it was scheduled.
	TaskStarted(kind TaskKind, resource string, waited time.Duration)
	// TaskFinished counts a task that ended; ran is the time since it started, total the
	// time since it was scheduled.
	TaskFinished(kind TaskKind, resource string, outcome TaskOutcome, ran, total time.Duration)
	// TaskRerun counts a task handed out again (tasks run at least once) and why.
	TaskRerun(reason RerunReason)
}

// RerunReason says why a task ran, or may have run, more than once.
type RerunReason string

// Reasons for TaskRerun.
const (
	// RerunLeaseExpired: a dispatch whose lease ran out (its node died, restarted or
	// stopped renewing) was taken again; the task may have run before.
	RerunLeaseExpired RerunReason = "lease_expired"
	// RerunLeaseLost: a node ran a task whose lease another node had taken over; its result
	// was dropped (the task ran twice, its result counts once).
	RerunLeaseLost RerunReason = "lease_lost"
)

// Discard is a Recorder that records nothing.
var Discard Recorder = discard{}

type discard struct{}

func (discard) ExecutionStarted(string)                                                  {}
func (discard) ExecutionFinished(string, sfn.ExecutionStatus, time.Duration)             {}
func (discard) ExecutionThrottled(string)                                                {}
func (discard) ExecutionRedriven(string)                                                 {}
func (discard) TaskScheduled(TaskKind, string)                                           {}
func (discard) TaskStarted(TaskKind, string, time.Duration)                              {}
func (discard) TaskRerun(RerunReason)                                                    {}
func (discard) TaskFinished(TaskKind, string, TaskOutcome, time.Duration, time.Duration) {}

// KindOf says which task metrics a Task state's Resource ARN counts under; ok is false for
// an ARN that is none of the three.
func KindOf(resource string) (kind TaskKind, ok bool) {
	switch sfn.ParseResource(resource).Kind {
	case sfn.ResourceActivity:
		return Activity, true
	case sfn.ResourceLambdaFunction:
		return LambdaFunction, true
	case sfn.ResourceIntegration:
		return ServiceIntegration, true
	}
	return "", false
}

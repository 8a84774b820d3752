package sfn

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"encoding/json"
	"time"
)

// HistoryEvent is one event of an execution's history, field for field as AWS's
// GetExecutionHistory returns it. Exactly one of the *EventDetails pointers is set (or none,
// for events such as ParallelStateStarted that carry no details).
type HistoryEvent struct {
	Timestamp       time.Time `json:"timestamp"`
	Type            EventType `json:"type"`
	ID              int64     `json:"id"`
	PreviousEventID int64     `json:"previousEventId"`

	ActivityFailedEventDetails         *ErrorDetails             `json:"activityFailedEventDetails,omitempty"`
	ActivityScheduleFailedEventDetails *ErrorDetails             `json:"activityScheduleFailedEventDetails,omitempty"`
	ActivityScheduledEventDetails      *ActivityScheduledDetails `json:"activityScheduledEventDetails,omitempty"`
	ActivityStartedEventDetails        *ActivityStartedDetails   `json:"activityStartedEventDetails,omitempty"`
	ActivitySucceededEventDetails      *OutputDetails            `json:"activitySucceededEventDetails,omitempty"`
	ActivityTimedOutEventDetails       *ErrorDetails             `json:"activityTimedOutEventDetails,omitempty"`

	TaskFailedEventDetails       *TaskErrorDetails     `json:"taskFailedEventDetails,omitempty"`
	TaskScheduledEventDetails    *TaskScheduledDetails `json:"taskScheduledEventDetails,omitempty"`
	TaskStartFailedEventDetails  *TaskErrorDetails     `json:"taskStartFailedEventDetails,omitempty"`
	TaskStartedEventDetails      *TaskResourceDetails  `json:"taskStartedEventDetails,omitempty"`
	TaskSubmitFailedEventDetails *TaskErrorDetails     `json:"taskSubmitFailedEventDetails,omitempty"`
	TaskSubmittedEventDetails    *TaskOutputDetails    `json:"taskSubmittedEventDetails,omitempty"`
	TaskSucceededEventDetails    *TaskOutputDetails    `json:"taskSucceededEventDetails,omitempty"`
	TaskTimedOutEventDetails     *TaskErrorDetails     `json:"taskTimedOutEventDetails,omitempty"`

	ExecutionFailedEventDetails    *ErrorDetails             `json:"executionFailedEventDetails,omitempty"`
	ExecutionStartedEventDetails   *ExecutionStartedDetails  `json:"executionStartedEventDetails,omitempty"`
	ExecutionSucceededEventDetails *OutputDetails            `json:"executionSucceededEventDetails,omitempty"`
	ExecutionAbortedEventDetails   *ErrorDetails             `json:"executionAbortedEventDetails,omitempty"`
	ExecutionTimedOutEventDetails  *ErrorDetails             `json:"executionTimedOutEventDetails,omitempty"`
	ExecutionRedrivenEventDetails  *ExecutionRedrivenDetails `json:"executionRedrivenEventDetails,omitempty"`

	MapStateStartedEventDetails       *MapStateStartedDetails `json:"mapStateStartedEventDetails,omitempty"`
	MapIterationStartedEventDetails   *MapIterationDetails    `json:"mapIterationStartedEventDetails,omitempty"`
	MapIterationSucceededEventDetails *MapIterationDetails    `json:"mapIterationSucceededEventDetails,omitempty"`
	MapIterationFailedEventDetails    *MapIterationDetails    `json:"mapIterationFailedEventDetails,omitempty"`
	MapIterationAbortedEventDetails   *MapIterationDetails    `json:"mapIterationAbortedEventDetails,omitempty"`
	MapRunStartedEventDetails         *MapRunStartedDetails   `json:"mapRunStartedEventDetails,omitempty"`
	MapRunFailedEventDetails          *ErrorDetails           `json:"mapRunFailedEventDetails,omitempty"`
	MapRunRedrivenEventDetails        *MapRunRedrivenDetails  `json:"mapRunRedrivenEventDetails,omitempty"`

	LambdaFunctionFailedEventDetails         *ErrorDetails                   `json:"lambdaFunctionFailedEventDetails,omitempty"`
	LambdaFunctionScheduleFailedEventDetails *ErrorDetails                   `json:"lambdaFunctionScheduleFailedEventDetails,omitempty"`
	LambdaFunctionScheduledEventDetails      *LambdaFunctionScheduledDetails `json:"lambdaFunctionScheduledEventDetails,omitempty"`
	LambdaFunctionStartFailedEventDetails    *ErrorDetails                   `json:"lambdaFunctionStartFailedEventDetails,omitempty"`
	LambdaFunctionSucceededEventDetails      *OutputDetails                  `json:"lambdaFunctionSucceededEventDetails,omitempty"`
	LambdaFunctionTimedOutEventDetails       *ErrorDetails                   `json:"lambdaFunctionTimedOutEventDetails,omitempty"`

	StateEnteredEventDetails *StateEnteredDetails `json:"stateEnteredEventDetails,omitempty"`
	StateExitedEventDetails  *StateExitedDetails  `json:"stateExitedEventDetails,omitempty"`

	EvaluationFailedEventDetails *EvaluationFailedDetails `json:"evaluationFailedEventDetails,omitempty"`
}

// Payload is a JSON document carried by a history event or an API field: a decoded value in
// memory (values stay decoded between states), JSON text on the wire, as AWS sends it.
type Payload struct {
	Value any
}

// MarshalJSON writes the value as a JSON string holding its JSON text (the bytes that
// marshalling the value, then its text, with encoding/json would give).
func (p Payload) MarshalJSON() ([]byte, error) {
	return p.appendJSON(nil)
}

// UnmarshalJSON reads a JSON string holding JSON text.
func (p *Payload) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return err
	}
	v, err := jsonvalue.Decode([]byte(text))
	if err != nil {
		return err
	}
	p.Value = v
	return nil
}

// Truncation says whether AWS truncated a payload in the history (Stepflow never does).
type Truncation struct {
	Truncated bool `json:"truncated"`
}

// ErrorDetails is the error name and cause of a failure event.
type ErrorDetails struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// OutputDetails carries the output of a succeeded execution, activity or Lambda function.
type OutputDetails struct {
	Output        *Payload    `json:"output,omitempty"`
	OutputDetails *Truncation `json:"outputDetails,omitempty"`
}

// ActivityScheduledDetails describes an activity task handed to workers.
type ActivityScheduledDetails struct {
	Resource           string      `json:"resource"`
	Input              *Payload    `json:"input,omitempty"`
	InputDetails       *Truncation `json:"inputDetails,omitempty"`
	TimeoutInSeconds   *int64      `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds *int64      `json:"heartbeatInSeconds,omitempty"`
}

// ActivityStartedDetails names the worker that took an activity task.
type ActivityStartedDetails struct {
	WorkerName string `json:"workerName,omitempty"`
}

// TaskResourceDetails names the integration of a task event (resourceType "lambda", resource "invoke").
type TaskResourceDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

// TaskErrorDetails is a failed service-integration task.
type TaskErrorDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// TaskOutputDetails is a succeeded (or submitted) service-integration task.
type TaskOutputDetails struct {
	ResourceType  string      `json:"resourceType"`
	Resource      string      `json:"resource"`
	Output        *Payload    `json:"output,omitempty"`
	OutputDetails *Truncation `json:"outputDetails,omitempty"`
}

// TaskCredentials is the role a task runs as.
type TaskCredentials struct {
	RoleArn string `json:"roleArn,omitempty"`
}

// TaskScheduledDetails is a service-integration task about to run.
type TaskScheduledDetails struct {
	ResourceType       string           `json:"resourceType"`
	Resource           string           `json:"resource"`
	Region             string           `json:"region"`
	Parameters         *Payload         `json:"parameters,omitempty"`
	TimeoutInSeconds   *int64           `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds *int64           `json:"heartbeatInSeconds,omitempty"`
	TaskCredentials    *TaskCredentials `json:"taskCredentials,omitempty"`
}

// ExecutionStartedDetails is the first event of every execution.
type ExecutionStartedDetails struct {
	Input                  *Payload    `json:"input,omitempty"`
	InputDetails           *Truncation `json:"inputDetails,omitempty"`
	RoleArn                string      `json:"roleArn,omitempty"`
	StateMachineAliasArn   string      `json:"stateMachineAliasArn,omitempty"`
	StateMachineVersionArn string      `json:"stateMachineVersionArn,omitempty"`
}

// ExecutionRedrivenDetails counts the redrives of an execution.
type ExecutionRedrivenDetails struct {
	RedriveCount int `json:"redriveCount"`
}

// MapStateStartedDetails gives the number of items a Map state iterates over.
type MapStateStartedDetails struct {
	Length int `json:"length"`
}

// MapIterationDetails names the Map state and the index of one iteration.
type MapIterationDetails struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

// MapRunStartedDetails gives the ARN of a Distributed Map run.
type MapRunStartedDetails struct {
	MapRunArn string `json:"mapRunArn"`
}

// MapRunRedrivenDetails names a Distributed Map run a redrive started again, and counts the
// redrives of that run so far, this one included.
type MapRunRedrivenDetails struct {
	MapRunArn    string `json:"mapRunArn"`
	RedriveCount int    `json:"redriveCount"`
}

// LambdaFunctionScheduledDetails is a Lambda function (by ARN resource) about to run.
type LambdaFunctionScheduledDetails struct {
	Resource         string           `json:"resource"`
	Input            *Payload         `json:"input,omitempty"`
	InputDetails     *Truncation      `json:"inputDetails,omitempty"`
	TimeoutInSeconds *int64           `json:"timeoutInSeconds,omitempty"`
	TaskCredentials  *TaskCredentials `json:"taskCredentials,omitempty"`
}

// StateEnteredDetails is a state's name and effective input.
type StateEnteredDetails struct {
	Name         string      `json:"name"`
	Input        *Payload    `json:"input,omitempty"`
	InputDetails *Truncation `json:"inputDetails,omitempty"`
}

// StateExitedDetails is a state's name, output and the variables it assigned (JSON text each).
type StateExitedDetails struct {
	Name                     string            `json:"name"`
	Output                   *Payload          `json:"output,omitempty"`
	OutputDetails            *Truncation       `json:"outputDetails,omitempty"`
	AssignedVariables        map[string]string `json:"assignedVariables,omitempty"`
	AssignedVariablesDetails *Truncation       `json:"assignedVariablesDetails,omitempty"`
}

// EvaluationFailedDetails is a query-language evaluation error, with the failing field.
type EvaluationFailedDetails struct {
	Error    string `json:"error,omitempty"`
	Cause    string `json:"cause,omitempty"`
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
}

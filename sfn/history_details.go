package sfn

// Typed access to an event's details, so callers need not round-trip the event through JSON
// to find the one *EventDetails field that is set.

// Details returns the event's details (the one *EventDetails field set), or nil.
func (e *HistoryEvent) Details() any {
	switch {
	case e.ActivityFailedEventDetails != nil:
		return e.ActivityFailedEventDetails
	case e.ActivityScheduleFailedEventDetails != nil:
		return e.ActivityScheduleFailedEventDetails
	case e.ActivityScheduledEventDetails != nil:
		return e.ActivityScheduledEventDetails
	case e.ActivityStartedEventDetails != nil:
		return e.ActivityStartedEventDetails
	case e.ActivitySucceededEventDetails != nil:
		return e.ActivitySucceededEventDetails
	case e.ActivityTimedOutEventDetails != nil:
		return e.ActivityTimedOutEventDetails
	case e.TaskFailedEventDetails != nil:
		return e.TaskFailedEventDetails
	case e.TaskScheduledEventDetails != nil:
		return e.TaskScheduledEventDetails
	case e.TaskStartFailedEventDetails != nil:
		return e.TaskStartFailedEventDetails
	case e.TaskStartedEventDetails != nil:
		return e.TaskStartedEventDetails
	case e.TaskSubmitFailedEventDetails != nil:
		return e.TaskSubmitFailedEventDetails
	case e.TaskSubmittedEventDetails != nil:
		return e.TaskSubmittedEventDetails
	case e.TaskSucceededEventDetails != nil:
		return e.TaskSucceededEventDetails
	case e.TaskTimedOutEventDetails != nil:
		return e.TaskTimedOutEventDetails
	case e.ExecutionFailedEventDetails != nil:
		return e.ExecutionFailedEventDetails
	case e.ExecutionStartedEventDetails != nil:
		return e.ExecutionStartedEventDetails
	case e.ExecutionSucceededEventDetails != nil:
		return e.ExecutionSucceededEventDetails
	case e.ExecutionAbortedEventDetails != nil:
		return e.ExecutionAbortedEventDetails
	case e.ExecutionTimedOutEventDetails != nil:
		return e.ExecutionTimedOutEventDetails
	case e.ExecutionRedrivenEventDetails != nil:
		return e.ExecutionRedrivenEventDetails
	case e.MapStateStartedEventDetails != nil:
		return e.MapStateStartedEventDetails
	case e.MapIterationStartedEventDetails != nil:
		return e.MapIterationStartedEventDetails
	case e.MapIterationSucceededEventDetails != nil:
		return e.MapIterationSucceededEventDetails
	case e.MapIterationFailedEventDetails != nil:
		return e.MapIterationFailedEventDetails
	case e.MapIterationAbortedEventDetails != nil:
		return e.MapIterationAbortedEventDetails
	case e.MapRunStartedEventDetails != nil:
		return e.MapRunStartedEventDetails
	case e.MapRunFailedEventDetails != nil:
		return e.MapRunFailedEventDetails
	case e.MapRunRedrivenEventDetails != nil:
		return e.MapRunRedrivenEventDetails
	case e.LambdaFunctionFailedEventDetails != nil:
		return e.LambdaFunctionFailedEventDetails
	case e.LambdaFunctionScheduleFailedEventDetails != nil:
		return e.LambdaFunctionScheduleFailedEventDetails
	case e.LambdaFunctionScheduledEventDetails != nil:
		return e.LambdaFunctionScheduledEventDetails
	case e.LambdaFunctionStartFailedEventDetails != nil:
		return e.LambdaFunctionStartFailedEventDetails
	case e.LambdaFunctionSucceededEventDetails != nil:
		return e.LambdaFunctionSucceededEventDetails
	case e.LambdaFunctionTimedOutEventDetails != nil:
		return e.LambdaFunctionTimedOutEventDetails
	case e.StateEnteredEventDetails != nil:
		return e.StateEnteredEventDetails
	case e.StateExitedEventDetails != nil:
		return e.StateExitedEventDetails
	case e.EvaluationFailedEventDetails != nil:
		return e.EvaluationFailedEventDetails
	}
	return nil
}

// ErrorCause returns the error and cause of a failure event's details; ok is false for events
// whose details name no error.
func (e *HistoryEvent) ErrorCause() (errName, cause string, ok bool) {
	switch d := e.Details().(type) {
	case *ErrorDetails:
		return d.Error, d.Cause, d.Error != ""
	case *TaskErrorDetails:
		return d.Error, d.Cause, d.Error != ""
	case *EvaluationFailedDetails:
		return d.Error, d.Cause, d.Error != ""
	}
	return "", "", false
}

// WithoutExecutionData returns a copy of the event without the execution data of its details
// (inputs, outputs, task parameters, assigned variables), as AWS shows history when execution
// data is not included. With dropDataDetails, the truncation records that describe that data
// (inputDetails, outputDetails, assignedVariablesDetails) go too.
func (e *HistoryEvent) WithoutExecutionData(dropDataDetails bool) *HistoryEvent {
	c := *e
	trunc := func(t *Truncation) *Truncation {
		if dropDataDetails {
			return nil
		}
		return t
	}
	output := func(d **OutputDetails) {
		if *d != nil {
			x := **d
			x.Output, x.OutputDetails = nil, trunc(x.OutputDetails)
			*d = &x
		}
	}
	output(&c.ActivitySucceededEventDetails)
	output(&c.ExecutionSucceededEventDetails)
	output(&c.LambdaFunctionSucceededEventDetails)
	for _, d := range []**TaskOutputDetails{&c.TaskSubmittedEventDetails, &c.TaskSucceededEventDetails} {
		if *d != nil {
			x := **d
			x.Output, x.OutputDetails = nil, trunc(x.OutputDetails)
			*d = &x
		}
	}
	if d := c.ActivityScheduledEventDetails; d != nil {
		x := *d
		x.Input, x.InputDetails = nil, trunc(x.InputDetails)
		c.ActivityScheduledEventDetails = &x
	}
	if d := c.TaskScheduledEventDetails; d != nil {
		x := *d
		x.Parameters = nil
		c.TaskScheduledEventDetails = &x
	}
	if d := c.ExecutionStartedEventDetails; d != nil {
		x := *d
		x.Input, x.InputDetails = nil, trunc(x.InputDetails)
		c.ExecutionStartedEventDetails = &x
	}
	if d := c.LambdaFunctionScheduledEventDetails; d != nil {
		x := *d
		x.Input, x.InputDetails = nil, trunc(x.InputDetails)
		c.LambdaFunctionScheduledEventDetails = &x
	}
	if d := c.StateEnteredEventDetails; d != nil {
		x := *d
		x.Input, x.InputDetails = nil, trunc(x.InputDetails)
		c.StateEnteredEventDetails = &x
	}
	if d := c.StateExitedEventDetails; d != nil {
		x := *d
		x.Output, x.OutputDetails = nil, trunc(x.OutputDetails)
		x.AssignedVariables, x.AssignedVariablesDetails = nil, trunc(x.AssignedVariablesDetails)
		c.StateExitedEventDetails = &x
	}
	return &c
}

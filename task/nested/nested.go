// Package nested runs nested executions: Task states whose Resource is
// arn:aws:states:::states:startExecution, in AWS's three integration patterns. Request-response
// starts the child and answers {ExecutionArn, StartDate}; .sync and .sync:2 wait for the child
// and answer its DescribeExecution shape (Input and Output as JSON text for .sync, as JSON
// values for .sync:2); .waitForTaskToken starts the child, which answers the parent through
// SendTaskSuccess or SendTaskFailure with the token it was given in its input.
package nested

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// Starter starts child executions and gives the store they are recorded in, where the invoker
// watches a .sync child until it ends. *engine.Engine satisfies it.
type Starter interface {
	StartExecution(ctx context.Context, p *engine.StartExecutionParams) (*store.Execution, error)
	Store() store.Store
}

// Stopper is implemented by starters that can stop an execution (*engine.Engine does): a .sync
// task that is cancelled (its parent stopped, or the task timed out) stops its child, as AWS does.
type Stopper interface {
	StopExecution(ctx context.Context, executionARN, errName, cause string) (time.Time, error)
}

// Invoker runs arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken] tasks.
// Register it for the "states" service: router.HandleService("states", nested.New(eng)).
type Invoker struct {
	starter Starter
	// firstPoll and maxPoll bound the delay between two looks at a running .sync child.
	firstPoll, maxPoll time.Duration
}

// New returns an invoker that starts children through s.
func New(s Starter) *Invoker {
	return &Invoker{starter: s, firstPoll: 10 * time.Millisecond, maxPoll: time.Second}
}

// Invoke starts the child execution the request's parameters name and, for .sync and
// .sync:2, waits for it to end.
func (n *Invoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	if req.Resource.Service != "states" || req.Resource.Action != "startExecution" {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("resource %s is not a nested execution: only arn:aws:states:::states:startExecution (with .sync, .sync:2 or .waitForTaskToken) is supported", req.Resource.ARN)}
	}
	params, err := parseParameters(req.Input)
	if err != nil {
		return nil, err
	}
	// The child's input in the key order the parent built it, as AWS passes it.
	if o, ok := req.OrderedInput.(*jsonvalue.Object); ok {
		if v, ok := o.Get("Input"); ok && v != nil {
			if _, isText := v.(string); !isText {
				params.Input = jsonvalue.MarshalString(v)
			}
		}
	}
	child, err := n.starter.StartExecution(ctx, params)
	if err != nil {
		return nil, startError(err)
	}
	switch req.Resource.Pattern {
	case "sync", "sync:2":
		ended, err := n.wait(ctx, child.ARN)
		if err != nil {
			return nil, err
		}
		return finished(ended, req.Resource.Pattern == "sync:2")
	default: // request-response, and .waitForTaskToken whose answer comes from the child
		return startOutput(child), nil
	}
}

// parseParameters reads {StateMachineArn, Input, Name}. Input may be any JSON value: a string
// is taken as the JSON text of the child's input, anything else is encoded; no Input (or
// null) starts the child with {}. AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID, when the
// definition passes it inside Input, reaches the child unchanged, as on AWS.
func parseParameters(input any) (*engine.StartExecutionParams, error) {
	m, ok := input.(map[string]any)
	if !ok {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "the parameters of states:startExecution must be an object with StateMachineArn, and optionally Input and Name"}
	}
	p := &engine.StartExecutionParams{}
	for k, v := range m {
		switch k {
		case "StateMachineArn":
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "the StateMachineArn parameter of states:startExecution must be a non-empty string"}
			}
			p.StateMachineARN = s
		case "Name":
			s, ok := v.(string)
			if !ok {
				return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "the Name parameter of states:startExecution must be a string"}
			}
			p.Name = s
		case "Input":
			switch v := v.(type) {
			case nil:
			case string:
				p.Input = v
			default:
				p.Input = jsonvalue.MarshalString(v)
			}
		case "TraceHeader":
			s, _ := v.(string)
			p.TraceHeader = s
		default:
			return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("states:startExecution has no parameter %s: it takes StateMachineArn, Input, Name and TraceHeader", k)}
		}
	}
	if p.StateMachineARN == "" {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "the StateMachineArn parameter of states:startExecution is required"}
	}
	return p, nil
}

// wait watches the child in the store until it ends, looking again after a delay that grows
// from firstPoll to maxPoll. If ctx ends first, the child is stopped (when the starter can).
func (n *Invoker) wait(ctx context.Context, arn string) (*store.Execution, error) {
	delay := n.firstPoll
	for {
		x, err := n.starter.Store().ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})
		switch {
		case ctx.Err() != nil:
			return nil, n.abandon(ctx, arn)
		case err != nil:
			return nil, fmt.Errorf("watch child execution %s: %w", arn, err)
		case x.Status != sfn.StatusRunning && x.Status != sfn.StatusPendingRedrive:
			return x, nil
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, n.abandon(ctx, arn)
		case <-timer.C:
		}
		delay = min(2*delay, n.maxPoll)
	}
}

// abandon stops the child of a task that is no longer wanted. During an engine shutdown the
// engine refuses the stop, and the child runs on.
func (n *Invoker) abandon(ctx context.Context, arn string) error {
	if s, ok := n.starter.(Stopper); ok {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = s.StopExecution(stopCtx, arn, "", "The parent execution's task was cancelled.")
	}
	return ctx.Err()
}

// startError names a failed StartExecution as AWS's optimized integration does:
// StepFunctions.<Exception> with the service's message.
func startError(err error) error {
	var exists *engine.ExecutionAlreadyExistsError
	var input *engine.InvalidExecutionInputError
	var notFound *store.NotFoundError
	code := ""
	switch {
	case errors.As(err, &exists):
		code = "ExecutionAlreadyExists"
	case errors.As(err, &input):
		code = "InvalidExecutionInput"
	case errors.As(err, &notFound):
		code = "StateMachineDoesNotExist"
		err = fmt.Errorf("State Machine Does Not Exist: '%s'", notFound.Key)
	default:
		return fmt.Errorf("start child execution: %w", err)
	}
	return &task.Error{Name: "StepFunctions." + code + "Exception",
		Cause: fmt.Sprintf("%s (Service: AWSStepFunctions; Status Code: 400; Error Code: %s)", err.Error(), code)}
}

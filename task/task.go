// Package task defines how Stepflow runs the work of Task states: the Invoker interface that
// every kind of task runner implements (functions, activities, callbacks, nested executions,
// HTTP, mocks) and a Router that picks the invoker for a Resource ARN.
package task

import (
	"context"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
)

// Request is one invocation of a Task state's resource.
type Request struct {
	Resource sfn.Resource
	Input    any // the effective parameters (after InputPath/Parameters or Arguments), as encoding/json decodes them
	// OrderedInput is Input as the engine holds it (internal/jsonvalue: objects keep their
	// key order, as AWS sends them), for invokers that pass the input on as JSON text; nil
	// when the request was not built by the engine.
	OrderedInput any
	TaskToken    string
	Timeout      time.Duration // 0 = none (the engine enforces it; invokers may use it to kill work early)
	Heartbeat    time.Duration
	ExecutionARN string
	StateName    string
	// Credentials is the state's Credentials field, evaluated ({"RoleArn": ...}); nil
	// without one. Runners that call AWS assume the role; local runners ignore it.
	Credentials any
	// StateMachineRoleARN is the roleArn of the execution's state machine. Runners that call
	// AWS may assume it for every call (--assume-state-machine-role), as AWS does.
	StateMachineRoleARN string
	// IdempotencyKey is the same every time this one scheduling of the task is run (a task
	// runs again after a crash: at least once, as on AWS) and differs for a Retry's next
	// attempt, so the task's owner can recognise a repeat.
	IdempotencyKey string
}

// Invoker runs one kind of task. It returns the task's result, or an error: a *Error names
// the States error the task fails with; any other error fails the task as States.TaskFailed.
type Invoker interface {
	Invoke(ctx context.Context, req *Request) (any, error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, req *Request) (any, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, req *Request) (any, error) { return f(ctx, req) }

// Error is a task failure with the error name and cause a Retry or Catch matches on.
type Error struct {
	Name  string
	Cause string
}

func (e *Error) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// AsError turns any invoker error into the error name and cause the task fails with.
func AsError(err error) *Error {
	if te, ok := err.(*Error); ok {
		return te
	}
	return &Error{Name: sfn.ErrorTaskFailed, Cause: err.Error()}
}

// Router sends each request to the invoker registered for its resource.
type Router struct {
	lambda       Invoker
	activity     Invoker
	integrations map[string]Invoker // by service ("lambda", "states", "http", ...)
	fallback     Invoker
}

// NewRouter returns a router with no invokers: every task fails until some are registered.
func NewRouter() *Router { return &Router{integrations: map[string]Invoker{}} }

// HandleLambda registers the invoker for arn:aws:lambda:...:function:NAME resources.
func (r *Router) HandleLambda(inv Invoker) { r.lambda = inv }

// HandleActivity registers the invoker for activity ARNs.
func (r *Router) HandleActivity(inv Invoker) { r.activity = inv }

// HandleService registers the invoker for arn:aws:states:::SERVICE:... integrations.
func (r *Router) HandleService(service string, inv Invoker) { r.integrations[service] = inv }

// Handles reports whether an invoker is registered for arn:aws:states:::SERVICE:... integrations.
func (r *Router) Handles(service string) bool { return r.integrations[service] != nil }

// HandleOther registers the invoker for every resource no other route takes (e.g. mocks).
func (r *Router) HandleOther(inv Invoker) { r.fallback = inv }

// Invoke routes req.
func (r *Router) Invoke(ctx context.Context, req *Request) (any, error) {
	var inv Invoker
	switch req.Resource.Kind {
	case sfn.ResourceLambdaFunction:
		inv = r.lambda
	case sfn.ResourceActivity:
		inv = r.activity
	case sfn.ResourceIntegration:
		inv = r.integrations[req.Resource.Service]
	}
	if inv == nil {
		inv = r.fallback
	}
	if inv == nil {
		return nil, &Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("no task runner is configured for resource %s", req.Resource.ARN)}
	}
	return inv.Invoke(ctx, req)
}

// Plain returns req with its values as encoding/json decodes them (Go maps and float64; a
// json.Number for an integer beyond 2^53 or a decimal kept as AWS writes it, such as 1.0),
// which is what invokers read, and OrderedInput set to the input as the engine holds it. The
// engine calls invokers with such a request.
func Plain(req *Request) *Request {
	plain := *req
	plain.OrderedInput = req.Input
	plain.Input = jsonvalue.Plain(req.Input)
	plain.Credentials = jsonvalue.Plain(req.Credentials)
	return &plain
}

// Result converts an invoker's result to the engine's values: a map's keys sorted (a Go map
// has no order), a json.RawMessage decoded in document order, so an invoker that has the
// result as JSON text keeps AWS's key order by returning it raw.
func Result(out any) any { return jsonvalue.FromPlain(out) }

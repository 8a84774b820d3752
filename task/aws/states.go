package aws

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// statesStopCause is the cause StopExecution gets when the task that started a .sync
// execution ends first (its execution stopped, or the state timed out), as the local nested
// integration says it.
const statesStopCause = "The parent execution's task was cancelled."

// RemoteStepFunctions reports whether states:startExecution goes to a remote Step Functions
// endpoint: one given for the service itself (--aws-endpoint states=URL or sfn=URL), not only
// through "*", so that a LocalStack habit does not take nested executions off this server.
func (inv *Invoker) RemoteStepFunctions() bool {
	_, ok := inv.endpoints[lookupService("states").name()]
	return ok
}

// statesStartExecution is states:startExecution on a remote Step Functions. Request-response
// (and .waitForTaskToken, whose answer comes from the child) answers with StartExecution's
// ExecutionArn and StartDate plus the SDK's metadata. .sync and .sync:2 poll
// DescribeExecution until the execution ends, and answer its description with Input and
// Output as JSON text (.sync) or as JSON values (.sync:2); an execution that did not
// succeed fails the state with States.TaskFailed and the description (with its Error and
// Cause) as the cause. A task whose context ends first stops the remote execution.
//
// A child the definition does not name is named after the task's key digest, so a task run
// again after a restart asks for the same name: ExecutionAlreadyExists then means the child
// it started before, which it rejoins (as Step Functions itself answers a repeated
// StartExecution of a running execution with the same name and input).
func statesStartExecution(ctx context.Context, c *caller, req *task.Request, pattern string) (any, error) {
	m, ok := req.Input.(map[string]any)
	if !ok {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "the parameters of states:startExecution must be an object with StateMachineArn, and optionally Input and Name"}
	}
	params := make(map[string]any, len(m)+1)
	for k, v := range m {
		if k == "Input" {
			switch v.(type) {
			case nil:
				continue
			case string:
			default:
				v = jsonvalue.MarshalString(v) // StartExecution takes the input as JSON text
			}
		}
		params[lowerFirst(k)] = v
	}
	derivedName := false
	if digest := taskKeyDigest(req.IdempotencyKey); digest != "" && params["name"] == nil {
		params["name"], derivedName = childExecutionName(digest), true
	}
	var arn string
	var startDate any
	out, resp, err := c.callJSON(ctx, "StartExecution", params, false)
	var te *task.Error
	switch {
	case err == nil:
		arn, _ = out["executionArn"].(string)
		startDate = out["startDate"]
	case derivedName && errors.As(err, &te) && strings.HasSuffix(te.Name, ".ExecutionAlreadyExistsException"):
		machine, _ := params["stateMachineArn"].(string)
		arn = executionARN(machine, params["name"].(string))
		if arn == "" {
			return nil, err
		}
		desc, described, derr := c.callJSON(ctx, "DescribeExecution", map[string]any{"executionArn": arn}, false)
		if derr != nil {
			return nil, derr
		}
		startDate, resp = desc["startDate"], described
	default:
		return nil, err
	}
	if pattern != "sync" && pattern != "sync:2" {
		answer := map[string]any{"ExecutionArn": arn, "StartDate": epochSecondsToMillis(startDate)}
		return c.withSDKMetadata(answer, resp), nil
	}
	if arn == "" {
		return nil, c.failure(&transportError{fmt.Errorf("Unable to unmarshall response: the StartExecution response has no executionArn: %.200q", resp.body)}, false)
	}
	var desc map[string]any
	look := func(ctx context.Context) (bool, error) {
		out, _, err := c.callJSON(ctx, "DescribeExecution", map[string]any{"executionArn": arn}, false)
		if err != nil {
			return false, err
		}
		desc = out
		status, _ := out["status"].(string)
		return status != "RUNNING" && status != "PENDING_REDRIVE", nil
	}
	stop := func(ctx context.Context) {
		// The task has ended either way; an execution that cannot be stopped runs on.
		_, _, _ = c.callJSON(ctx, "StopExecution", map[string]any{"executionArn": arn, "cause": statesStopCause}, false)
	}
	if err := pollUntil(ctx, look, stop); err != nil {
		return nil, err
	}
	result := describedExecution(desc, pattern == "sync:2")
	if desc["status"] != "SUCCEEDED" {
		return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: c.causeText(result)}
	}
	return result, nil
}

// describedExecution is DescribeExecution's answer as Step Functions gives it to a .sync
// state: PascalCase members, dates in epoch milliseconds, and for .sync:2 Input and Output
// as the JSON values they encode.
func describedExecution(desc map[string]any, objects bool) map[string]any {
	out := make(map[string]any, len(desc))
	for k, v := range desc {
		switch k {
		case "startDate", "stopDate", "redriveDate":
			v = epochSecondsToMillis(v)
		case "input", "output":
			if s, ok := v.(string); ok && objects {
				if parsed, err := jsonvalue.Decode([]byte(s)); err == nil { // in document order
					v = parsed
				}
			}
		case "inputDetails", "outputDetails":
			v = convertMembers(v, upperFirst, nil)
		}
		out[upperFirst(k)] = v
	}
	return out
}

// epochSecondsToMillis turns a JSON-protocol timestamp (epoch seconds, with a fraction)
// into the epoch milliseconds the AWS SDK for Java's JSON gives Step Functions.
func epochSecondsToMillis(v any) any {
	f, ok := jsonvalue.Float(v)
	if !ok {
		return v
	}
	return math.Round(f * 1000)
}

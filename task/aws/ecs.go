package aws

import (
	"context"
	"fmt"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// ecsFreeForm are the ECS members whose keys are the user's, not the API's.
var ecsFreeForm = map[string]bool{"dockerlabels": true, "options": true}

// startedByStepFunctions is the StartedBy Step Functions gives the tasks it runs with .sync
// (recorded on AWS); a definition's own StartedBy wins.
const startedByStepFunctions = "AWS Step Functions"

// ecsStopReason is the reason StopTask gets when the execution that started a .sync task
// stops (or its Task state times out).
const ecsStopReason = "Stopped by Stepflow: the Step Functions execution or task that started it ended"

// ecsRunTask is ecs:runTask on Amazon ECS (AWS JSON 1.1). Request-response answers with
// RunTask's Tasks and Failures plus the SDK's metadata, failures included, as Step
// Functions does. .sync fails at once with AmazonECS.Unknown when Failures is not empty (as
// AWS documents), else polls DescribeTasks until the task is STOPPED: the result is the
// task in PascalCase, and a container that exited non-zero, or a task that could not
// start, fails the state with States.TaskFailed and the task as the cause. A task whose
// context ends first stops the ECS task. The request carries the task's key digest as its
// clientToken (ECS's own idempotency, for 24 hours) and as a tag, and a task run again
// after a restart rejoins the ECS task so tagged instead of running another.
func ecsRunTask(ctx context.Context, c *caller, req *task.Request, pattern string) (any, error) {
	params, _ := convertMembers(req.Input, lowerFirst, ecsFreeForm).(map[string]any)
	if params == nil {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "the parameters of ecs:runTask must be an object with TaskDefinition"}
	}
	if _, ok := params["startedBy"]; !ok && pattern == "sync" {
		params["startedBy"] = startedByStepFunctions // as Step Functions marks the tasks it waits for
	}
	sctx, cancel := startCtx(ctx, pattern)
	var out map[string]any
	var resp *httpResponse
	if digest := taskKeyDigest(req.IdempotencyKey); digest != "" {
		if _, ok := params["clientToken"]; !ok {
			params["clientToken"] = digest
		}
		tags, _ := params["tags"].([]any)
		params["tags"] = append(tags[:len(tags):len(tags)], map[string]any{"key": taskKeyTag, "value": digest})
		found, listed, err := c.ecsFindTasks(sctx, params, digest)
		if err != nil {
			cancel()
			return nil, err
		}
		if len(found) > 0 {
			out, resp = map[string]any{"tasks": found, "failures": []any{}}, listed
		}
	}
	if out == nil {
		var err error
		out, resp, err = c.callJSON(sctx, "RunTask", params, false)
		if err != nil {
			cancel()
			return nil, err
		}
	}
	cancel()
	tasks, _ := out["tasks"].([]any)
	for _, t := range tasks {
		if m, ok := t.(map[string]any); ok {
			withoutTaskKeyTag(m) // RunTask answers the tasks with their tags
		}
	}
	answer := optimizedTimestamps(convertMembers(out, upperFirst, ecsFreeForm)).(map[string]any)
	if pattern != "sync" {
		return c.withSDKMetadata(answer, resp), nil
	}
	if failures, _ := out["failures"].([]any); len(failures) > 0 {
		return nil, &task.Error{Name: "AmazonECS.Unknown", Cause: c.causeText(answer["Failures"])}
	}
	first, _ := func() (map[string]any, bool) {
		if len(tasks) == 0 {
			return nil, false
		}
		m, ok := tasks[0].(map[string]any)
		return m, ok
	}()
	taskARN, _ := first["taskArn"].(string)
	if taskARN == "" {
		return nil, c.failure(&transportError{fmt.Errorf("Unable to unmarshall response: the ECS RunTask response has no task: %.200q", resp.body)}, false)
	}
	cluster, _ := first["clusterArn"].(string)
	var last map[string]any
	look := func(ctx context.Context) (bool, error) {
		req := map[string]any{"tasks": []any{taskARN}}
		if cluster != "" {
			req["cluster"] = cluster
		}
		out, _, err := c.callJSON(ctx, "DescribeTasks", req, false)
		if err != nil {
			return false, err
		}
		tasks, _ := out["tasks"].([]any)
		if len(tasks) == 0 {
			return false, &task.Error{Name: sfn.ErrorTaskFailed, Cause: fmt.Sprintf("ECS DescribeTasks does not know task %s any more: %s", taskARN, c.causeText(out["failures"]))}
		}
		last, _ = tasks[0].(map[string]any)
		return last["lastStatus"] == "STOPPED", nil
	}
	stop := func(ctx context.Context) {
		req := map[string]any{"task": taskARN, "reason": ecsStopReason}
		if cluster != "" {
			req["cluster"] = cluster
		}
		// The task has ended either way; an ECS task that cannot be stopped is left to ECS.
		_, _, _ = c.callJSON(ctx, "StopTask", req, false)
	}
	if err := pollUntil(ctx, look, stop); err != nil {
		return nil, err
	}
	withoutTaskKeyTag(last)
	desc := optimizedTimestamps(convertMembers(last, upperFirst, ecsFreeForm))
	if ecsTaskFailed(last) {
		return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: c.causeText(desc)}
	}
	return desc, nil
}

// ecsTaskFailed reports whether a stopped task failed: it never started, or a container
// exited with a non-zero code.
func ecsTaskFailed(t map[string]any) bool {
	if t["stopCode"] == "TaskFailedToStart" {
		return true
	}
	containers, _ := t["containers"].([]any)
	for _, c := range containers {
		m, _ := c.(map[string]any)
		if code, ok := m["exitCode"].(float64); ok && code != 0 {
			return true
		}
	}
	return false
}

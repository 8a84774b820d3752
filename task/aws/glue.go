package aws

import (
	"context"
	"fmt"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// glueEndStates are the JobRunStates after which a Glue job run does nothing more.
var glueEndStates = map[string]bool{"SUCCEEDED": true, "FAILED": true, "STOPPED": true, "TIMEOUT": true, "ERROR": true, "EXPIRED": true}

// glueStartJobRun is glue:startJobRun (AWS JSON 1.1). Request-response answers with
// StartJobRun's JobRunId and, as Step Functions adds it, the request's JobName, plus the
// SDK's metadata. .sync polls GetJobRun until the run ends: SUCCEEDED answers the JobRun as
// GetJobRun gives it (dates in epoch milliseconds); any other end fails the state with
// States.TaskFailed and the JobRun as the cause. A task whose context ends first stops the
// run with BatchStopJobRun.
func glueStartJobRun(ctx context.Context, c *caller, req *task.Request, pattern string) (any, error) {
	params, ok := req.Input.(map[string]any)
	if !ok {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "the parameters of glue:startJobRun must be an object with JobName"}
	}
	sctx, cancel := startCtx(ctx, pattern)
	out, resp, err := c.callJSON(sctx, "StartJobRun", params, false)
	cancel()
	if err != nil {
		return nil, err
	}
	jobName, _ := params["JobName"].(string)
	runID, _ := out["JobRunId"].(string)
	if pattern != "sync" {
		out["JobName"] = jobName
		return c.withSDKMetadata(out, resp), nil
	}
	if runID == "" {
		return nil, c.failure(&transportError{fmt.Errorf("Unable to unmarshall response: the Glue StartJobRun response has no JobRunId: %.200q", resp.body)}, false)
	}
	var run map[string]any
	look := func(ctx context.Context) (bool, error) {
		out, _, err := c.callJSON(ctx, "GetJobRun", map[string]any{"JobName": jobName, "RunId": runID}, false)
		if err != nil {
			return false, err
		}
		run, _ = out["JobRun"].(map[string]any)
		state, _ := run["JobRunState"].(string)
		return glueEndStates[state], nil
	}
	stop := func(ctx context.Context) {
		// The task has ended either way; a run that cannot be stopped is left to Glue.
		_, _, _ = c.callJSON(ctx, "BatchStopJobRun", map[string]any{"JobName": jobName, "JobRunIds": []any{runID}}, false)
	}
	if err := pollUntil(ctx, look, stop); err != nil {
		return nil, err
	}
	for _, k := range []string{"StartedOn", "LastModifiedOn", "CompletedOn"} {
		if v, ok := run[k]; ok {
			run[k] = epochSecondsToMillis(v)
		}
	}
	if run["JobRunState"] != "SUCCEEDED" {
		return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: c.causeText(run)}
	}
	return run, nil
}

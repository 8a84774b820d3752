package aws

import (
	"context"
	"fmt"
	"net/http"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// batchFreeForm are the Batch members whose keys are the user's, not the API's.
var batchFreeForm = map[string]bool{"parameters": true, "tags": true, "options": true}

// batchTerminateReason is the reason TerminateJob gets when the execution that started a
// .sync job stops (or its Task state times out).
const batchTerminateReason = "Terminated by Stepflow: the Step Functions execution or task that started the job ended"

// batchSubmitJob is batch:submitJob on AWS Batch (REST-JSON, POST /v1/submitjob).
// Request-response answers with SubmitJob's JobArn, JobId and JobName plus the SDK's
// metadata. .sync polls DescribeJobs until the job is SUCCEEDED (the result is the job as
// DescribeJobs gives it, in PascalCase) or FAILED (States.TaskFailed with the job as the
// cause, as Step Functions fails it); a task whose context ends first terminates the job.
func batchSubmitJob(ctx context.Context, c *caller, input any, pattern string) (any, error) {
	params := convertMembers(input, lowerFirst, batchFreeForm)
	sctx, cancel := startCtx(ctx, pattern)
	out, resp, err := c.callRESTJSON(sctx, http.MethodPost, "/v1/submitjob", params, false)
	cancel()
	if err != nil {
		return nil, err
	}
	answer := convertMembers(out, upperFirst, batchFreeForm).(map[string]any)
	if pattern != "sync" {
		return withSDKMetadata(answer, resp), nil
	}
	jobID, _ := out["jobId"].(string)
	if jobID == "" {
		return nil, c.failure(&transportError{fmt.Errorf("Unable to unmarshall response: the Batch SubmitJob response has no jobId: %.200q", resp.body)}, false)
	}
	var job map[string]any
	look := func(ctx context.Context) (bool, error) {
		out, _, err := c.callRESTJSON(ctx, http.MethodPost, "/v1/describejobs", map[string]any{"jobs": []any{jobID}}, false)
		if err != nil {
			return false, err
		}
		jobs, _ := out["jobs"].([]any)
		if len(jobs) == 0 {
			return false, &task.Error{Name: sfn.ErrorTaskFailed, Cause: fmt.Sprintf("Batch DescribeJobs does not know job %s any more", jobID)}
		}
		job, _ = jobs[0].(map[string]any)
		status, _ := job["status"].(string)
		return status == "SUCCEEDED" || status == "FAILED", nil
	}
	terminate := func(ctx context.Context) {
		// The task has ended either way; a job that cannot be terminated is left to Batch.
		_, _, _ = c.callRESTJSON(ctx, http.MethodPost, "/v1/terminatejob", map[string]any{"jobId": jobID, "reason": batchTerminateReason}, false)
	}
	if err := pollUntil(ctx, look, terminate); err != nil {
		return nil, err
	}
	desc := convertMembers(job, upperFirst, batchFreeForm)
	if job["status"] != "SUCCEEDED" {
		return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: jsonvalue.MarshalString(desc)}
	}
	return desc, nil
}

package aws

import (
	"context"
	"fmt"
	"net/http"

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
// The job is tagged with the task's key digest, and a task run again after a restart
// rejoins the job so tagged instead of submitting another (SubmitJob has no idempotency
// token).
func batchSubmitJob(ctx context.Context, c *caller, req *task.Request, pattern string) (any, error) {
	params, _ := convertMembers(req.Input, lowerFirst, batchFreeForm).(map[string]any)
	if params == nil {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "the parameters of batch:submitJob must be an object with JobName, JobQueue and JobDefinition"}
	}
	sctx, cancel := startCtx(ctx, pattern)
	var jobID string
	var answer map[string]any
	var resp *httpResponse
	digest := taskKeyDigest(req.IdempotencyKey)
	if digest != "" {
		tags, _ := params["tags"].(map[string]any)
		withKey := make(map[string]any, len(tags)+1)
		for k, v := range tags {
			withKey[k] = v
		}
		withKey[taskKeyTag] = digest
		params["tags"] = withKey
		found, listed, err := c.batchFindJob(sctx, params, digest)
		if err != nil {
			cancel()
			return nil, err
		}
		if found != nil {
			jobID, _ = found["jobId"].(string)
			answer, resp = map[string]any{"JobArn": found["jobArn"], "JobId": jobID, "JobName": found["jobName"]}, listed
		}
	}
	if answer == nil {
		out, submitted, err := c.callRESTJSON(sctx, http.MethodPost, "/v1/submitjob", params, false)
		if err != nil {
			cancel()
			return nil, err
		}
		jobID, _ = out["jobId"].(string)
		answer, resp = convertMembers(out, upperFirst, batchFreeForm).(map[string]any), submitted
	}
	cancel()
	if pattern != "sync" {
		return c.withSDKMetadata(answer, resp), nil
	}
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
	withoutTaskKeyTag(job)
	desc := convertMembers(job, upperFirst, batchFreeForm)
	if job["status"] != "SUCCEEDED" {
		return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: c.causeText(desc)}
	}
	return desc, nil
}

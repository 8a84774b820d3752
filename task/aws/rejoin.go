package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// A task runs at least once: a server killed while a Batch job, an ECS task or a remote
// execution it started was running runs the task again after its restart, with the same
// idempotency key. Without help that second run would start a second job while the first
// runs on. So Stepflow marks what it starts with a digest of the key (a tag on Batch jobs
// and ECS tasks, ECS's own clientToken, the name of a remote child execution whose
// definition gives none) and, before starting anything, looks for a job so marked: a task
// run again rejoins the job it started instead of starting another.

// taskKeyTag is the tag key of the key digest on the Batch jobs and ECS tasks Stepflow
// starts. Results are shown without it, as the definition asked for them.
const taskKeyTag = "stepflow:task-key"

// maxRejoinPages bounds the ListJobs/ListTasks pages (of 100) looked through for a job to
// rejoin, so a job name shared by thousands of recent jobs costs a bounded number of calls.
const maxRejoinPages = 10

// taskKeyDigest is the mark of the jobs a task with idempotency key key starts: 64 hex
// digits, within ECS's clientToken limit. "" (no key: nothing to rejoin) stays "".
func taskKeyDigest(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("stepflow-task:" + key))
	return hex.EncodeToString(sum[:])
}

// batchFindJob looks in the request's queue for a job of the request's name tagged with
// digest and returns it as DescribeJobs gives it (nil when there is none), with the
// response of the listing that found it.
func (c *caller) batchFindJob(ctx context.Context, params map[string]any, digest string) (map[string]any, *httpResponse, error) {
	name, _ := params["jobName"].(string)
	queue, _ := params["jobQueue"].(string)
	if name == "" || queue == "" {
		return nil, nil, nil // SubmitJob refuses the request; let it say why
	}
	token := ""
	for page := 0; page < maxRejoinPages; page++ {
		// With a filter ListJobs lists jobs of every status, finished ones too.
		req := map[string]any{"jobQueue": queue, "maxResults": 100,
			"filters": []any{map[string]any{"name": "JOB_NAME", "values": []any{name}}}}
		if token != "" {
			req["nextToken"] = token
		}
		out, resp, err := c.callRESTJSON(ctx, http.MethodPost, "/v1/listjobs", req, false)
		if err != nil {
			return nil, nil, err
		}
		list, _ := out["jobSummaryList"].([]any)
		var ids []any
		for _, s := range list {
			m, _ := s.(map[string]any)
			if id, ok := m["jobId"].(string); ok && m["jobName"] == name {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			described, _, err := c.callRESTJSON(ctx, http.MethodPost, "/v1/describejobs", map[string]any{"jobs": ids}, false)
			if err != nil {
				return nil, nil, err
			}
			jobs, _ := described["jobs"].([]any)
			for _, j := range jobs {
				job, _ := j.(map[string]any)
				if field(job["tags"], taskKeyTag) == digest {
					return job, resp, nil
				}
			}
		}
		token, _ = out["nextToken"].(string)
		if token == "" {
			break
		}
	}
	return nil, nil, nil
}

// withoutTaskKeyTag removes Stepflow's tag from a job's or task's tags: a map for Batch
// (dropped when it held nothing else, as DescribeJobs leaves it out), a list of key/value
// pairs for ECS (left empty, as ECS answers).
func withoutTaskKeyTag(resource map[string]any) {
	switch tags := resource["tags"].(type) {
	case *jsonvalue.Object: // as decodeResult keeps a map member
		tags = tags.Without(taskKeyTag)
		resource["tags"] = tags
		if tags.Len() == 0 {
			delete(resource, "tags")
		}
	case map[string]any:
		delete(tags, taskKeyTag)
		if len(tags) == 0 {
			delete(resource, "tags")
		}
	case []any:
		kept := tags[:0:0]
		for _, t := range tags {
			if m, _ := t.(map[string]any); m["key"] != taskKeyTag {
				kept = append(kept, t)
			}
		}
		resource["tags"] = kept // ECS shows "Tags": [] for a task without tags
	}
}

// ecsFindTasks looks in the request's cluster for tasks of the request's task definition
// family tagged with digest, running or stopped, and returns them as DescribeTasks gives
// them, with the response of the call that found them.
func (c *caller) ecsFindTasks(ctx context.Context, params map[string]any, digest string) ([]any, *httpResponse, error) {
	family := taskDefinitionFamily(params["taskDefinition"])
	if family == "" {
		return nil, nil, nil // RunTask refuses the request; let it say why
	}
	cluster, _ := params["cluster"].(string)
	var found []any
	var foundResp *httpResponse
	for _, status := range []string{"RUNNING", "STOPPED"} {
		token := ""
		for page := 0; page < maxRejoinPages; page++ {
			req := map[string]any{"family": family, "desiredStatus": status, "maxResults": 100}
			if cluster != "" {
				req["cluster"] = cluster
			}
			if token != "" {
				req["nextToken"] = token
			}
			out, _, err := c.callJSON(ctx, "ListTasks", req, false)
			if err != nil {
				return nil, nil, err
			}
			if arns, _ := out["taskArns"].([]any); len(arns) > 0 {
				dreq := map[string]any{"tasks": arns, "include": []any{"TAGS"}}
				if cluster != "" {
					dreq["cluster"] = cluster
				}
				described, resp, err := c.callJSON(ctx, "DescribeTasks", dreq, false)
				if err != nil {
					return nil, nil, err
				}
				tasks, _ := described["tasks"].([]any)
				for _, t := range tasks {
					m, _ := t.(map[string]any)
					if ecsTagged(m, digest) {
						found, foundResp = append(found, m), resp
					}
				}
			}
			token, _ = out["nextToken"].(string)
			if token == "" {
				break
			}
		}
	}
	return found, foundResp, nil
}

func ecsTagged(t map[string]any, digest string) bool {
	tags, _ := t["tags"].([]any)
	for _, tag := range tags {
		if m, _ := tag.(map[string]any); m["key"] == taskKeyTag && m["value"] == digest {
			return true
		}
	}
	return false
}

// taskDefinitionFamily is the family of an ECS task definition given as FAMILY,
// FAMILY:REVISION or its ARN (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION).
func taskDefinitionFamily(v any) string {
	s, _ := v.(string)
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	family, _, _ := strings.Cut(s, ":")
	return family
}

// childExecutionName is the name of the child execution a task with idempotency key key
// starts on a remote Step Functions when the definition gives none: the same every time
// the task runs, within the 80 characters Step Functions allows.
func childExecutionName(digest string) string {
	return "stepflow-" + digest
}

// executionARN is the ARN of the execution named name of the state machine stateMachine
// (a version or alias qualifier dropped, as executions are named after the machine).
func executionARN(stateMachine, name string) string {
	parts := strings.Split(stateMachine, ":")
	if len(parts) < 7 || parts[5] != "stateMachine" {
		return ""
	}
	return strings.Join(append(parts[:5:5], "execution", parts[6], name), ":")
}

//go:build unix

package jobs_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
)

const submitSync = `{"StartAt": "Job", "States": {"Job": {"Type": "Task",
  "Resource": "arn:aws:states:::batch:submitJob.sync", "Parameters": %s, "End": true}}}`

func def(format, params string) string { return strings.Replace(format, "%s", params, 1) }

// A .sync job runs its command with Batch's environment and the overrides, and the result
// is the job as DescribeJobs gives it, field by field.
func TestSubmitJobSyncResult(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"resize": {
	  "command": ["sh", "-c", "echo \"$AWS_BATCH_JOB_ID $AWS_BATCH_JQ_NAME $AWS_BATCH_JOB_ATTEMPT $COLOR $MANAGED_BY_AWS $1 $2\" > out.txt", "sh", "Ref::size", "Ref::mode"],
	  "env": {"COLOR": "red"}, "parameters": {"size": "64", "mode": "fast"}}}}`)
	start := time.Now().UnixMilli()
	out := mustSucceed(t, runDef(t, router, def(submitSync, `{"JobName": "resize-1", "JobQueue": "main",
	  "JobDefinition": "arn:aws:batch:us-east-1:123456789012:job-definition/resize:4",
	  "Parameters": {"size": "128"}, "Tags": {"team": "img"},
	  "ContainerOverrides": {"Environment": [{"Name": "COLOR", "Value": "blue"}]}}`), nil))
	end := time.Now().UnixMilli()

	id, _ := out["JobId"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("JobId %q is not a UUID", id)
	}
	want := map[string]any{
		"JobArn":        "arn:aws:batch:us-east-1:123456789012:job/" + id,
		"JobName":       "resize-1",
		"JobQueue":      "arn:aws:batch:us-east-1:123456789012:job-queue/main",
		"JobDefinition": "arn:aws:batch:us-east-1:123456789012:job-definition/resize:4",
		"Status":        "SUCCEEDED",
		"StatusReason":  "Essential container in task exited",
		"Parameters":    map[string]any{"size": "128", "mode": "fast"},
		"Tags":          map[string]any{"team": "img"},
		"RetryStrategy": map[string]any{"Attempts": 1.0, "EvaluateOnExit": []any{}},
	}
	for k, v := range want {
		if got, _ := json.Marshal(out[k]); string(got) != mustJSON(v) {
			t.Errorf("%s = %s, want %s", k, got, mustJSON(v))
		}
	}
	if got := get(out, "Container", "ExitCode"); got != 0.0 {
		t.Errorf("Container.ExitCode = %v, want 0", got)
	}
	if got := mustJSON(get(out, "Container", "Command")); got != `["sh","-c","echo \"$AWS_BATCH_JOB_ID $AWS_BATCH_JQ_NAME $AWS_BATCH_JOB_ATTEMPT $COLOR $MANAGED_BY_AWS $1 $2\" \u003e out.txt","sh","128","fast"]` &&
		got != `["sh","-c","echo \"$AWS_BATCH_JOB_ID $AWS_BATCH_JQ_NAME $AWS_BATCH_JOB_ATTEMPT $COLOR $MANAGED_BY_AWS $1 $2\" > out.txt","sh","128","fast"]` {
		t.Errorf("Container.Command = %s", got)
	}
	if got := mustJSON(get(out, "Container", "Environment")); got != `[{"Name":"COLOR","Value":"blue"},{"Name":"MANAGED_BY_AWS","Value":"STARTED_BY_STEP_FUNCTIONS"}]` {
		t.Errorf("Container.Environment = %s", got)
	}
	created, started, stopped := out["CreatedAt"].(float64), out["StartedAt"].(float64), out["StoppedAt"].(float64)
	if !(float64(start) <= created && created <= started && started <= stopped && stopped <= float64(end)) {
		t.Errorf("timestamps: created %v started %v stopped %v, want within [%d, %d] in that order", created, started, stopped, start, end)
	}
	attempts, _ := out["Attempts"].([]any)
	if len(attempts) != 1 || get(attempts[0], "Container", "ExitCode") != 0.0 || get(attempts[0], "StatusReason") != "Essential container in task exited" ||
		get(attempts[0], "StartedAt") != started || get(attempts[0], "StoppedAt") != stopped {
		t.Errorf("Attempts = %s", mustJSON(attempts))
	}
	if got, want := readFile(t, filepath.Join(dir, "out.txt")), id+" main 1 blue STARTED_BY_STEP_FUNCTIONS 128 fast"; got != want {
		t.Errorf("the job saw %q, want %q", got, want)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// A job that exits non-zero fails the task with States.TaskFailed and the job's description
// as the cause, as Step Functions does; Catch takes it.
func TestSubmitJobSyncFailureCaught(t *testing.T) {
	t.Parallel()
	router, _ := newRouter(t, t.TempDir(), `{"jobs": {"bad": {"command": ["sh", "-c", "echo doomed; exit 3"]}}}`)
	res := runDef(t, router, `{"StartAt": "Job", "States": {
	  "Job": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
	    "Parameters": {"JobName": "bad", "JobQueue": "q", "JobDefinition": "bad:2"},
	    "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Caught"}], "End": true},
	  "Caught": {"Type": "Pass", "End": true}}}`, nil)
	out := mustSucceed(t, res)
	if get(out, "error", "Error") != sfn.ErrorTaskFailed {
		t.Fatalf("caught %s", mustJSON(out))
	}
	var job map[string]any
	if err := json.Unmarshal([]byte(get(out, "error", "Cause").(string)), &job); err != nil {
		t.Fatalf("cause is not the job's JSON: %v", err)
	}
	if job["Status"] != "FAILED" || get(job, "Container", "ExitCode") != 3.0 || job["StatusReason"] != "Essential container in task exited" ||
		job["JobDefinition"] != "arn:aws:batch:us-east-1:123456789012:job-definition/bad:2" {
		t.Fatalf("cause = %s", mustJSON(job))
	}
}

// An array job of 3 runs three processes with AWS_BATCH_JOB_ARRAY_INDEX 0, 1 and 2.
func TestSubmitJobArray(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"shard": {"command": ["sh", "-c", "echo $AWS_BATCH_JOB_ID > child-$AWS_BATCH_JOB_ARRAY_INDEX"]}}}`)
	out := mustSucceed(t, runDef(t, router, def(submitSync, `{"JobName": "shards", "JobQueue": "q", "JobDefinition": "shard", "ArrayProperties": {"Size": 3}}`), nil))
	if out["Status"] != "SUCCEEDED" || mustJSON(out["ArrayProperties"]) != `{"Size":3,"StatusSummary":{"FAILED":0,"PENDING":0,"RUNNABLE":0,"RUNNING":0,"STARTING":0,"SUBMITTED":0,"SUCCEEDED":3}}` {
		t.Fatalf("result %s", mustJSON(out))
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "child-*"))
	sort.Strings(matches)
	if len(matches) != 3 {
		t.Fatalf("children wrote %v", matches)
	}
	for i, m := range matches {
		if filepath.Base(m) != "child-"+strconv.Itoa(i) || readFile(t, m) != out["JobId"].(string)+":"+strconv.Itoa(i) {
			t.Errorf("%s: %q", m, readFile(t, m))
		}
	}
}

// One failing child fails the array job.
func TestSubmitJobArrayChildFails(t *testing.T) {
	t.Parallel()
	router, _ := newRouter(t, t.TempDir(), `{"jobs": {"shard": {"command": ["sh", "-c", "test $AWS_BATCH_JOB_ARRAY_INDEX != 1"]}}}`)
	res := runDef(t, router, def(submitSync, `{"JobName": "shards", "JobQueue": "q", "JobDefinition": "shard", "ArrayProperties": {"Size": 3}}`), nil)
	if res.Status != sfn.StatusFailed || res.Error != sfn.ErrorTaskFailed || !strings.Contains(res.Cause, `"FAILED":1`) || !strings.Contains(res.Cause, `"SUCCEEDED":2`) {
		t.Fatalf("%s %s: %s", res.Status, res.Error, res.Cause)
	}
}

// RetryStrategy.Attempts runs a failed job again; the result lists every attempt.
func TestSubmitJobRetryStrategy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"flaky": {"command": ["sh", "-c", "echo $AWS_BATCH_JOB_ATTEMPT >> attempts; test $AWS_BATCH_JOB_ATTEMPT = 2"]}}}`)
	out := mustSucceed(t, runDef(t, router, def(submitSync, `{"JobName": "flaky", "JobQueue": "q", "JobDefinition": "flaky", "RetryStrategy": {"Attempts": 3}}`), nil))
	attempts, _ := out["Attempts"].([]any)
	if len(attempts) != 2 || get(attempts[0], "Container", "ExitCode") != 1.0 || get(attempts[1], "Container", "ExitCode") != 0.0 {
		t.Fatalf("Attempts = %s", mustJSON(attempts))
	}
	if got := readFile(t, filepath.Join(dir, "attempts")); got != "1\n2" {
		t.Fatalf("attempts run: %q", got)
	}
}

// ContainerOverrides.Command replaces the definition's command, Ref:: substituted in it.
func TestSubmitJobCommandOverride(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"tool": {"command": ["false"], "parameters": {"word": "default"}}}}`)
	mustSucceed(t, runDef(t, router, def(submitSync, `{"JobName": "tool", "JobQueue": "q", "JobDefinition": "tool",
	  "Parameters": {"file.$": "$.file"},
	  "ContainerOverrides": {"Command": ["sh", "-c", "echo $0 > $1", "Ref::word", "Ref::file"]}}`), map[string]any{"file": "said.txt"}))
	if got := readFile(t, filepath.Join(dir, "said.txt")); got != "default" {
		t.Fatalf("the job wrote %q", got)
	}
}

// A stopped execution kills its job's whole process group.
func TestStoppedExecutionKillsProcessGroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"long": {"command": ["sh", "-c", "sleep 300 & echo $$ $! > pids; wait"]}}}`)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, _ := run(ctx, t, router, def(submitSync, `{"JobName": "long", "JobQueue": "q", "JobDefinition": "long"}`), nil)
		if res.Status != sfn.StatusAborted {
			t.Errorf("status %s, want ABORTED", res.Status)
		}
	}()
	pids := strings.Fields(waitForFile(t, filepath.Join(dir, "pids"), 30*time.Second))
	stop()
	<-done
	for _, p := range pids {
		pid, _ := strconv.Atoi(p)
		deadline := time.Now().Add(10 * time.Second)
		for !processGone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d of the stopped job still runs", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// A Task state's TimeoutSeconds ends the job: States.Timeout, and its processes are killed.
func TestTaskTimeoutKillsJob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"long": {"command": ["sh", "-c", "sleep 300 & echo $$ $! > pids; wait"]}}}`)
	res := runDef(t, router, `{"StartAt": "Job", "States": {"Job": {"Type": "Task", "TimeoutSeconds": 2,
	  "Resource": "arn:aws:states:::batch:submitJob.sync",
	  "Parameters": {"JobName": "long", "JobQueue": "q", "JobDefinition": "long"}, "End": true}}}`, nil)
	if res.Status != sfn.StatusFailed || res.Error != sfn.ErrorTimeout {
		t.Fatalf("%s %s: %s", res.Status, res.Error, res.Cause)
	}
	for _, p := range strings.Fields(readFile(t, filepath.Join(dir, "pids"))) {
		pid, _ := strconv.Atoi(p)
		deadline := time.Now().Add(10 * time.Second)
		for !processGone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d of the timed-out job still runs", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// Timeout.AttemptDurationSeconds (at least 60, as on Batch) ends an attempt that runs
// longer; the job fails with Batch's status reason.
func TestSubmitJobAttemptTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for the 60-second minimum attempt duration")
	}
	t.Parallel()
	router, _ := newRouter(t, t.TempDir(), `{"jobs": {"long": {"command": ["sleep", "300"]}}}`)
	res := runDef(t, router, def(submitSync, `{"JobName": "long", "JobQueue": "q", "JobDefinition": "long", "Timeout": {"AttemptDurationSeconds": 60}}`), nil)
	if res.Status != sfn.StatusFailed || res.Error != sfn.ErrorTaskFailed {
		t.Fatalf("%s %s: %s", res.Status, res.Error, res.Cause)
	}
	var job map[string]any
	_ = json.Unmarshal([]byte(res.Cause), &job)
	if job["StatusReason"] != "Job attempt duration exceeded timeout" || get(job, "Container", "ExitCode") != 137.0 ||
		mustJSON(job["Timeout"]) != `{"AttemptDurationSeconds":60}` {
		t.Fatalf("cause %s", res.Cause)
	}
	if took := job["StoppedAt"].(float64) - job["StartedAt"].(float64); took < 60000 || took > 70000 {
		t.Fatalf("the attempt ran %v ms", took)
	}
}

// Requests Batch refuses fail with Batch.ClientException, naming what is wrong.
func TestSubmitJobRefused(t *testing.T) {
	t.Parallel()
	router, _ := newRouter(t, t.TempDir(), `{"jobs": {"ok": {"command": ["true"]}}}`)
	tests := []struct{ params, msg string }{
		{`{"JobName": "x", "JobQueue": "q", "JobDefinition": "missing"}`, "Job definition missing does not exist: the jobs file (--jobs) has no entry for it"},
		{`{"JobName": "x", "JobQueue": "q"}`, "JobDefinition is required"},
		{`{"JobQueue": "q", "JobDefinition": "ok"}`, "JobName is required"},
		{`{"JobName": "a b", "JobQueue": "q", "JobDefinition": "ok"}`, `JobName "a b" is invalid`},
		{`{"JobName": "x", "JobDefinition": "ok"}`, "JobQueue is required"},
		{`{"JobName": "x", "JobQueue": "q", "JobDefinition": "ok", "ArrayProperties": {"Size": 1}}`, "ArrayProperties.Size 1 is invalid: an array job has 2 to 10000 child jobs"},
		{`{"JobName": "x", "JobQueue": "q", "JobDefinition": "ok", "Timeout": {"AttemptDurationSeconds": 5}}`, "Timeout.AttemptDurationSeconds 5 is invalid: the minimum is 60 seconds"},
		{`{"JobName": "x", "JobQueue": "q", "JobDefinition": "ok", "RetryStrategy": {"Attempts": 11}}`, "RetryStrategy.Attempts 11 is invalid: from 1 to 10 attempts"},
		{`{"JobName": "x", "JobQueue": "q", "JobDefinition": "ok", "Parameters": {"n": 1}}`, "Invalid request: json: cannot unmarshal number"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			t.Parallel()
			res := runDef(t, router, def(submitSync, tt.params), nil)
			if res.Status != sfn.StatusFailed || res.Error != "Batch.ClientException" ||
				!strings.HasPrefix(res.Cause, "Error executing request, Exception : "+tt.msg) || !strings.Contains(res.Cause, "(Service: AWSBatch; Status Code: 400; Error Code: ClientException; Request ID: ") {
				t.Fatalf("%s %s: %s", res.Status, res.Error, res.Cause)
			}
		})
	}
}

// Request-response submits the job and answers at once with SubmitJob's response; the job
// goes on running.
func TestSubmitJobRequestResponse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"bg": {"command": ["sh", "-c", "sleep 1; echo $AWS_BATCH_JOB_ID > done"]}}}`)
	out := mustSucceed(t, runDef(t, router, `{"StartAt": "Job", "States": {"Job": {"Type": "Task",
	  "Resource": "arn:aws:states:::batch:submitJob", "Parameters": {"JobName": "bg", "JobQueue": "q", "JobDefinition": "bg"}, "End": true}}}`, nil))
	id, _ := out["JobId"].(string)
	if out["JobName"] != "bg" || out["JobArn"] != "arn:aws:batch:us-east-1:123456789012:job/"+id || get(out, "SdkHttpMetadata", "HttpStatusCode") != 200.0 ||
		get(out, "SdkResponseMetadata", "RequestId") == nil {
		t.Fatalf("result %s", mustJSON(out))
	}
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		t.Fatal("the task waited for the job")
	}
	if got := waitForFile(t, filepath.Join(dir, "done"), 30*time.Second); got != id {
		t.Fatalf("the job ran as %q, want %q", got, id)
	}
}

// The result has AWS's key order (docs/values.md): members sorted, Parameters and Tags in
// java.util.HashMap order (buckets of 16: owner 0, team 11, env 12, Name 15), and the
// request-response SdkHttpMetadata as recorded on AWS.
func TestSubmitJobResultOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"order": {"command": ["true"]}}}`)
	res := runDef(t, router, `{"StartAt": "Submit", "States": {
	  "Submit": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob",
	    "Parameters": {"JobName": "rr", "JobQueue": "q", "JobDefinition": "order"}, "ResultPath": "$.submitted", "Next": "Sync"},
	  "Sync": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
	    "Parameters": {"JobName": "sync", "JobQueue": "q", "JobDefinition": "order",
	      "Tags": {"team": "t", "env": "e", "owner": "o", "Name": "n"}}, "ResultPath": "$.job", "End": true}}}`, nil)
	mustSucceed(t, res)
	keys := func(path ...string) string {
		v := res.Output
		for _, k := range path {
			obj, _ := v.(*jsonvalue.Object)
			v, _ = obj.Get(k)
		}
		obj, ok := v.(*jsonvalue.Object)
		if !ok {
			t.Fatalf("%v: not an ordered object: %s", path, jsonvalue.MarshalString(res.Output))
		}
		return jsonvalue.MarshalString(obj.Keys())
	}
	for _, tc := range []struct {
		path []string
		want string
	}{
		{[]string{"submitted"}, `["JobArn","JobId","JobName","SdkHttpMetadata","SdkResponseMetadata"]`},
		{[]string{"submitted", "SdkHttpMetadata"}, `["AllHttpHeaders","HttpHeaders","HttpStatusCode"]`},
		{[]string{"submitted", "SdkHttpMetadata", "AllHttpHeaders"}, `["x-amzn-RequestId","Content-Length","Content-Type"]`},
		{[]string{"submitted", "SdkHttpMetadata", "HttpHeaders"}, `["Content-Length","Content-Type","x-amzn-RequestId"]`},
		{[]string{"job", "Tags"}, `["owner","team","env","Name"]`},
	} {
		if got := keys(tc.path...); got != tc.want {
			t.Errorf("%s: keys %s, want %s", strings.Join(tc.path, "."), got, tc.want)
		}
	}
	job := keys("job")
	var members []string
	_ = json.Unmarshal([]byte(job), &members)
	if !sort.StringsAreSorted(members) {
		t.Errorf(".sync result members %s, want them sorted", job)
	}
}

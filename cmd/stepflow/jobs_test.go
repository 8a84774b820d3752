package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/mototest"
)

// stepflow run --jobs runs a batch:submitJob.sync job and prints the job's description;
// a jobs file with a mistake stops it before anything runs, naming the field.
func TestRunWithJobsFile(t *testing.T) {
	t.Parallel()
	def := writeTemp(t, "def.json", `{"StartAt": "Job", "States": {"Job": {"Type": "Task",
	  "Resource": "arn:aws:states:::batch:submitJob.sync",
	  "Parameters": {"JobName": "hello", "JobQueue": "q", "JobDefinition": "hello:1", "Parameters": {"who.$": "$.who"}},
	  "ResultSelector": {"Status.$": "$.Status", "ExitCode.$": "$.Container.ExitCode", "Command.$": "$.Container.Command"}, "End": true}}}`)
	in := writeTemp(t, "in.json", `{"who": "world"}`)
	jobsFile := writeTemp(t, "jobs.json", `{"jobs": {"hello": {"command": ["echo", "hello", "Ref::who"]}}}`)
	code, stdout, stderr := runCLI(t, "run", def, "--input", in, "--jobs", jobsFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("output %q: %v", stdout, err)
	}
	if b, _ := json.Marshal(out); string(b) != `{"Command":["echo","hello","world"],"ExitCode":0,"Status":"SUCCEEDED"}` {
		t.Fatalf("output %s", b)
	}

	bad := writeTemp(t, "bad.json", `{"jobs": {"hello": {"command": ["echo"], "env": {"": "x"}}}}`)
	code, _, stderr = runCLI(t, "run", def, "--input", in, "--jobs", bad)
	if code == 0 || !strings.Contains(stderr, `bad.json: jobs.hello.env: "" is not an environment variable name`) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// stepflow run --jobs with --aws-allow batch: the jobs file's definitions run locally, any
// other goes to AWS Batch (moto here, whose Batch runs no containers and SUCCEEDS jobs).
func TestRunJobsFileAndBatchOnAWS(t *testing.T) {
	// moto starts before the environment below is set: it is the test's, not moto's.
	base := mototest.Own(t, `{"batch": {"use_docker": false}}`)
	queue, remote := mototest.BatchSetup(t, base, "cli")
	// Not parallel: credentials come from the environment, as an operator gives them.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDMOTOTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "moto-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	def := writeTemp(t, "def.json", fmt.Sprintf(`{"StartAt": "Local", "States": {
	  "Local": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
	    "Parameters": {"JobName": "local", "JobQueue": %[1]q, "JobDefinition": "hello"},
	    "ResultSelector": {"Command.$": "$.Container.Command"}, "ResultPath": "$.local", "Next": "Remote"},
	  "Remote": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
	    "Parameters": {"JobName": "remote", "JobQueue": %[1]q, "JobDefinition": %[2]q},
	    "ResultSelector": {"Status.$": "$.Status", "JobQueue.$": "$.JobQueue"}, "ResultPath": "$.remote", "End": true}}}`, queue, remote))
	jobsFile := writeTemp(t, "jobs.json", `{"jobs": {"hello": {"command": ["echo", "hello"]}}}`)
	code, stdout, stderr := runCLI(t, "run", def, "--jobs", jobsFile, "--aws-endpoint", "batch="+base, "--aws-allow", "batch")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `{"local":{"Command":["echo","hello"]},"remote":{"JobQueue":"arn:aws:batch:us-east-1:123456789012:job-queue/cli-queue","Status":"SUCCEEDED"}}`
	var out any
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("output %q: %v", stdout, err)
	}
	if b, _ := json.Marshal(out); string(b) != want {
		t.Fatalf("output %s\nwant   %s", b, want)
	}
}

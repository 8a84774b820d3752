package main

import (
	"encoding/json"
	"strings"
	"testing"
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

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// A batch:submitJob.sync job in flight when its server is killed (SIGKILL) is neither lost
// nor left running twice: the job's process dies with the server, and the restarted server
// runs the task, and so the job, again, under the same job id, to the execution's success.
func TestBatchJobSurvivesServerKill(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Each run records its job id and pid; the first blocks (a job in flight at the crash),
	// the second ends at once.
	script := `echo "$AWS_BATCH_JOB_ID $$" >> runs; if [ -e first-run ]; then exit 0; fi; touch first-run; exec sleep 120`
	jobsFile, _ := json.Marshal(map[string]any{"jobs": map[string]any{"nightly": map[string]any{"command": []string{"sh", "-c", script}}}})
	jobsPath := filepath.Join(dir, "jobs.json")
	if err := os.WriteFile(jobsPath, jobsFile, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--db", filepath.Join(dir, "data", "stepflow.db"), "--jobs", jobsPath}
	first := runServerProcess(t, dir, args...)
	c := first.client()
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("nightly"),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Definition: aws.String(`{"StartAt": "Job", "States": {"Job": {
		  "Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
		  "Parameters": {"JobName": "nightly", "JobQueue": "q", "JobDefinition": "nightly"}, "End": true}}}`)})
	mustNoErr(t, "create", err)
	ex, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	mustNoErr(t, "start", err)
	waitFor(t, 30*time.Second, "the job's first run", func() bool {
		if d, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn}); err == nil && d.Status != types.ExecutionStatusRunning {
			t.Fatalf("the execution ended before the job ran: %s %s: %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		_, err := os.Stat(filepath.Join(dir, "first-run"))
		return err == nil
	})
	first.signal(syscall.SIGKILL)
	firstRun := strings.Fields(readLines(t, filepath.Join(dir, "runs"))[0])
	pid, _ := strconv.Atoi(firstRun[1])
	waitFor(t, 10*time.Second, "the killed server's job process to end", func() bool {
		return syscall.Kill(pid, 0) == syscall.ESRCH
	})

	second := runServerProcess(t, dir, args...)
	out := waitForEnd(t, second.client(), ex.ExecutionArn, 60*time.Second)
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("after restart: status %s", out.Status)
	}
	var job map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &job); err != nil || job["Status"] != "SUCCEEDED" {
		t.Fatalf("output %s (%v)", aws.ToString(out.Output), err)
	}
	runs := readLines(t, filepath.Join(dir, "runs"))
	if len(runs) != 2 || strings.Fields(runs[1])[0] != firstRun[0] || job["JobId"] != firstRun[0] {
		t.Fatalf("runs %q, result JobId %v: want two runs of one job id", runs, job["JobId"])
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

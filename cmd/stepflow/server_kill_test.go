package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfnsdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/internal/mototest"
)

// killableServerEnv makes the test binary run `stepflow server` with the JSON array of
// arguments it holds (TestKillableServerHelper), so a test can kill it with SIGKILL.
const killableServerEnv = "STEPFLOW_KILLABLE_SERVER_ARGS"

// TestKillableServerHelper is not a test: it is the server the kill tests kill.
func TestKillableServerHelper(t *testing.T) {
	raw := os.Getenv(killableServerEnv)
	if raw == "" {
		t.Skip("run by the server kill tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	if err := runServer(context.Background(), args, os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

// killableServer is `stepflow server ARGS` in a process of its own.
type killableServer struct {
	cmd *exec.Cmd
	url string
}

func startKillableServer(t *testing.T, env []string, args ...string) *killableServer {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillableServerHelper$")
	cmd.Env = append(append(os.Environ(), env...), killableServerEnv+"="+string(raw))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &killableServer{cmd: cmd}
	t.Cleanup(func() { s.kill() })
	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if m := listeningRE.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case s.url = <-found:
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not report its address; stderr: %s", stderr.String())
	}
	return s
}

// kill ends the server with SIGKILL: no shutdown, nothing stopped, nothing flushed.
func (s *killableServer) kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
}

func (s *killableServer) client() *sfnsdk.Client {
	return sfnsdk.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.url), Credentials: mototest.Credentials})
}

func batchJobIDs(t *testing.T, moto, queue, name string) []string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jobQueue": queue, "filters": []any{map[string]any{"name": "JOB_NAME", "values": []any{name}}}})
	list, _ := mototest.Call(t, moto+"/v1/listjobs", "batch", "", "application/json", body)["jobSummaryList"].([]any)
	var ids []string
	for _, j := range list {
		ids = append(ids, j.(map[string]any)["jobId"].(string))
	}
	return ids
}

// A stepflow server killed with SIGKILL while a batch:submitJob.sync task waits for its AWS
// Batch job (moto) cannot stop the job; restarted on its database it runs the task again,
// and the task rejoins the job it started instead of submitting a second one.
func TestServerKilledRejoinsBatchJob(t *testing.T) {
	moto := mototest.URL(t) // a job waiting on a job that never ends waits until terminated
	queue, def := mototest.BatchSetup(t, moto, "killed")
	env := []string{"AWS_ACCESS_KEY_ID=AKIDSTEPFLOWCALLER", "AWS_SECRET_ACCESS_KEY=caller-secret", "AWS_SESSION_TOKEN=",
		"AWS_CONFIG_FILE=" + filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(t.TempDir(), "none")}
	args := []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "s.db"), "--execution-log-dir", "off", "--ui", "off",
		"--aws-endpoint", "*=" + moto, "--aws-allow", "batch"}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	first := startKillableServer(t, env, args...)
	client := first.client()
	sm, err := client.CreateStateMachine(ctx, &sfnsdk.CreateStateMachineInput{Name: aws.String("killed"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(fmt.Sprintf(`{"StartAt": "Job", "States": {"Job": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
		  "Parameters": {"JobName": "survivor", "JobQueue": %q, "JobDefinition": %q, "DependsOn": [{"JobId": "never-ending-job"}]}, "End": true}}}`, queue, def))})
	if err != nil {
		t.Fatal(err)
	}
	exec, err := client.StartExecution(ctx, &sfnsdk.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("run-1")})
	if err != nil {
		t.Fatal(err)
	}
	var jobID string
	for deadline := time.Now().Add(60 * time.Second); jobID == ""; time.Sleep(100 * time.Millisecond) {
		if ids := batchJobIDs(t, moto, queue, "survivor"); len(ids) > 0 {
			jobID = ids[0]
		}
		if time.Now().After(deadline) {
			t.Fatal("the job was never submitted")
		}
	}
	first.kill()

	second := startKillableServer(t, env, args...)
	client = second.client()
	time.Sleep(3 * time.Second) // the restarted server runs the task again at once
	if ids := batchJobIDs(t, moto, queue, "survivor"); len(ids) != 1 {
		t.Fatalf("jobs named survivor after the restart: %v, want only the first server's %s", ids, jobID)
	}
	body, _ := json.Marshal(map[string]any{"jobId": jobID, "reason": "ended from outside"})
	mototest.Call(t, moto+"/v1/terminatejob", "batch", "", "application/json", body)
	desc := waitForExecution(ctx, t, client, exec.ExecutionArn)
	if desc.Status != sfntypes.ExecutionStatusFailed || aws.ToString(desc.Error) != "States.TaskFailed" {
		t.Fatalf("execution %s: %s: %s", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	var job map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(desc.Cause)), &job); err != nil || job["JobId"] != jobID {
		t.Errorf("the restarted server's task waited for %v, want the first server's job %s (cause %s)", job["JobId"], jobID, aws.ToString(desc.Cause))
	}
}

// A stepflow server killed with SIGKILL while a request-response local job (--jobs) runs
// runs the job again at its next start, from the jobs journal beside its database.
func TestServerKilledRunsLocalJobAgain(t *testing.T) {
	dir := t.TempDir()
	jobsFile := filepath.Join(dir, "jobs.json")
	if err := os.WriteFile(jobsFile, []byte(`{"jobs": {"long": {"command": ["sh", "-c",
	  "echo $AWS_BATCH_JOB_ID >> runs; while [ ! -f release ]; do sleep 0.05; done; echo $AWS_BATCH_JOB_ID > finished"]}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "s.db")
	args := []string{"--addr", "127.0.0.1:0", "--db", db, "--execution-log-dir", "off", "--ui", "off", "--jobs", jobsFile}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	first := startKillableServer(t, nil, args...)
	client := first.client()
	sm, err := client.CreateStateMachine(ctx, &sfnsdk.CreateStateMachineInput{Name: aws.String("fire"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt": "Job", "States": {"Job": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob",
		  "Parameters": {"JobName": "long", "JobQueue": "q", "JobDefinition": "long"}, "End": true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	exec, err := client.StartExecution(ctx, &sfnsdk.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	desc := waitForExecution(ctx, t, client, exec.ExecutionArn)
	var answer map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(desc.Output)), &answer); err != nil || desc.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s, output %s", desc.Status, aws.ToString(desc.Output))
	}
	jobID, _ := answer["JobId"].(string)
	runs := filepath.Join(filepath.Dir(jobsFile), "runs")
	waitForLines(t, runs, 1)
	if records, _ := filepath.Glob(db + ".jobs/*.json"); len(records) != 1 {
		t.Fatalf("journal %s.jobs holds %v, want the running job", db, records)
	}
	first.kill()

	second := startKillableServer(t, nil, args...)
	lines := waitForLines(t, runs, 2)
	if jobID == "" || lines[0] != jobID || lines[1] != jobID {
		t.Fatalf("runs %v, want the job %q twice", lines, jobID)
	}
	if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		records, _ := filepath.Glob(db + ".jobs/*.json")
		if _, err := os.Stat(filepath.Join(dir, "finished")); err == nil && len(records) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job run again did not finish and leave the journal")
		}
	}
	second.kill()
}

// waitForLines waits for path to hold n lines and returns them.
func waitForLines(t *testing.T, path string, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		data, _ := os.ReadFile(path)
		if lines := strings.Fields(string(data)); len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not get %d lines", path, n)
		}
	}
}

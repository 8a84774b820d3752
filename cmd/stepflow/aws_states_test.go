package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sfnsdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/internal/mototest"
)

// With --aws-endpoint states=URL, states:startExecution (request-response, .sync, .sync:2)
// starts the execution on that Step Functions — here a second stepflow server that checks
// the SigV4 signatures — and a stopped parent stops its remote child.
func TestServerStartsExecutionsOnRemoteStepFunctions(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDSTEPFLOWCALLER")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "caller-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	remoteURL, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "remote.db"),
		"--auth", "sigv4", "--access-key", "AKIDSTEPFLOWCALLER:caller-secret", "--execution-log-dir", "off")
	remote := sfnsdk.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(remoteURL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSTEPFLOWCALLER", "caller-secret", "")})
	create := func(client *sfnsdk.Client, name, def string) string {
		t.Helper()
		sm, err := client.CreateStateMachine(ctx, &sfnsdk.CreateStateMachineInput{Name: aws.String(name),
			RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Definition: aws.String(def)})
		if err != nil {
			t.Fatal(err)
		}
		return *sm.StateMachineArn
	}
	echo := create(remote, "echo", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$.n"}, "End": true}}}`)
	fails := create(remote, "fails", `{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken", "Cause": "on purpose"}}}`)
	slow := create(remote, "slow", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}`)

	localURL, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "local.db"), "--execution-log-dir", "off",
		"--aws-endpoint", "states="+remoteURL, "--aws-allow", "states")
	local := sfnsdk.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(localURL), Credentials: mototest.Credentials})
	parent := create(local, "parent", `{"StartAt": "Start", "States": {
	  "Start": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
	    "Parameters": {"StateMachineArn": "`+echo+`", "Name": "rr", "Input": {"n": 1}}, "ResultPath": "$.started", "Next": "Sync"},
	  "Sync": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
	    "Parameters": {"StateMachineArn": "`+echo+`", "Input": {"n": 2}}, "ResultPath": "$.sync", "Next": "Sync2"},
	  "Sync2": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
	    "Parameters": {"StateMachineArn": "`+echo+`", "Input": "{\"n\": 3}"}, "ResultPath": "$.sync2", "Next": "Failing"},
	  "Failing": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
	    "Parameters": {"StateMachineArn": "`+fails+`"}, "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.failure", "Next": "Again"}], "End": true},
	  "Again": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
	    "Parameters": {"StateMachineArn": "`+echo+`", "Name": "rr", "Input": {"n": 4}}, "Catch": [{"ErrorEquals": ["StepFunctions.ExecutionAlreadyExistsException"], "ResultPath": "$.again", "Next": "Done"}], "End": true},
	  "Done": {"Type": "Succeed"}}}`)
	exec, err := local.StartExecution(ctx, &sfnsdk.StartExecutionInput{StateMachineArn: aws.String(parent)})
	if err != nil {
		t.Fatal(err)
	}
	desc := waitForExecution(ctx, t, local, exec.ExecutionArn)
	if desc.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("parent %s: %s: %s", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	var out struct {
		Started map[string]any
		Sync    map[string]any
		Sync2   map[string]any
		Failure struct{ Error, Cause string }
		Again   struct{ Error, Cause string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(desc.Output)), &out); err != nil {
		t.Fatal(err)
	}
	if arn, _ := out.Started["ExecutionArn"].(string); !strings.HasSuffix(arn, ":echo:rr") {
		t.Errorf("request-response answer %v", out.Started)
	}
	if _, ok := out.Started["StartDate"].(float64); !ok || out.Started["SdkHttpMetadata"] == nil {
		t.Errorf("request-response answer %v: want StartDate in epoch milliseconds and SdkHttpMetadata", out.Started)
	}
	if out.Sync["Status"] != "SUCCEEDED" || out.Sync["Output"] != `{"got":2}` || out.Sync["StateMachineArn"] != echo {
		t.Errorf(".sync answer %v: want Output as JSON text", out.Sync)
	}
	if got, _ := out.Sync2["Output"].(map[string]any); got["got"] != float64(3) || out.Sync2["Status"] != "SUCCEEDED" {
		t.Errorf(".sync:2 answer %v: want Output as a JSON value", out.Sync2)
	}
	var failed map[string]any
	if err := json.Unmarshal([]byte(out.Failure.Cause), &failed); err != nil || out.Failure.Error != "States.TaskFailed" ||
		failed["Status"] != "FAILED" || failed["Error"] != "Broken" || failed["Cause"] != "on purpose" {
		t.Errorf("failed child: %s: %s", out.Failure.Error, out.Failure.Cause)
	}
	if out.Again.Error != "StepFunctions.ExecutionAlreadyExistsException" || !strings.Contains(out.Again.Cause, "(Service: AWSStepFunctions; Status Code: 400; Error Code: ExecutionAlreadyExists;") {
		t.Errorf("a name used twice: %s: %s", out.Again.Error, out.Again.Cause)
	}
	list, err := remote.ListExecutions(ctx, &sfnsdk.ListExecutionsInput{StateMachineArn: aws.String(echo)})
	if err != nil || len(list.Executions) != 3 {
		t.Fatalf("remote echo executions %+v, %v: want 3", list, err)
	}

	// Stopping the parent stops the remote child its .sync task waits for.
	waiter := create(local, "waiter", `{"StartAt": "Wait", "States": {"Wait": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
	  "Parameters": {"StateMachineArn": "`+slow+`"}, "End": true}}}`)
	exec, err = local.StartExecution(ctx, &sfnsdk.StartExecutionInput{StateMachineArn: aws.String(waiter)})
	if err != nil {
		t.Fatal(err)
	}
	var child *string
	for child == nil {
		list, err := remote.ListExecutions(ctx, &sfnsdk.ListExecutionsInput{StateMachineArn: aws.String(slow)})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Executions) > 0 {
			child = list.Executions[0].ExecutionArn
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := local.StopExecution(ctx, &sfnsdk.StopExecutionInput{ExecutionArn: exec.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	childDesc := waitForExecution(ctx, t, remote, child)
	if childDesc.Status != sfntypes.ExecutionStatusAborted || aws.ToString(childDesc.Cause) != "The parent execution's task was cancelled." {
		t.Errorf("remote child after the parent stopped: %s (%s)", childDesc.Status, aws.ToString(childDesc.Cause))
	}
}

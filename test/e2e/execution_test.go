package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// waitDone polls DescribeExecution until the execution leaves RUNNING.
func waitDone(t *testing.T, c *awssfn.Client, arn string) *awssfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.DescribeExecution(context.Background(), &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		mustNoErr(t, "DescribeExecution", err)
		if out.Status != types.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still RUNNING after 30s", arn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func createMachineWith(t *testing.T, c *awssfn.Client, name, definition string, typ types.StateMachineType) string {
	t.Helper()
	out, err := c.CreateStateMachine(context.Background(), &awssfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(roleARN), Type: typ,
	})
	mustNoErr(t, "CreateStateMachine "+name, err)
	return aws.ToString(out.StateMachineArn)
}

func TestExecutionLifecycle(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	machine := createMachine(t, c, "flow")

	started, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String("run-1"), Input: aws.String(`{"n":1}`)})
	mustNoErr(t, "StartExecution", err)
	execARN := aws.ToString(started.ExecutionArn)
	if execARN != scope.ExecutionARN("flow", "run-1") || started.StartDate == nil {
		t.Fatalf("StartExecution = %s %v", execARN, started.StartDate)
	}
	desc := waitDone(t, c, execARN)
	if desc.Status != types.ExecutionStatusSucceeded || aws.ToString(desc.Output) != `{"ok":true}` ||
		aws.ToString(desc.Input) != `{"n":1}` || aws.ToString(desc.Name) != "run-1" ||
		aws.ToString(desc.StateMachineArn) != machine || desc.StopDate == nil || desc.StopDate.Before(*desc.StartDate) {
		t.Fatalf("DescribeExecution = %+v", desc)
	}
	if desc.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable || aws.ToString(desc.RedriveStatusReason) != "Execution is SUCCEEDED and cannot be redriven" {
		t.Fatalf("redrive status %s %q", desc.RedriveStatus, aws.ToString(desc.RedriveStatusReason))
	}

	// The name of a closed execution cannot be reused, whatever the input.
	_, err = c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String("run-1"), Input: aws.String(`{"n":1}`)})
	wantAPIError[*types.ExecutionAlreadyExists](t, err, "Execution Already Exists: '"+execARN+"'")
	_, err = c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String("run-1"), Input: aws.String(`{"n":2}`)})
	wantAPIError[*types.ExecutionAlreadyExists](t, err, "Execution Already Exists: '"+execARN+"'")

	list, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machine), StatusFilter: types.ExecutionStatusSucceeded})
	mustNoErr(t, "ListExecutions", err)
	if len(list.Executions) != 1 || aws.ToString(list.Executions[0].ExecutionArn) != execARN || list.Executions[0].Status != types.ExecutionStatusSucceeded {
		t.Fatalf("ListExecutions SUCCEEDED = %+v", list.Executions)
	}
	list, err = c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machine), StatusFilter: types.ExecutionStatusRunning})
	mustNoErr(t, "ListExecutions RUNNING", err)
	if len(list.Executions) != 0 {
		t.Fatalf("ListExecutions RUNNING = %+v", list.Executions)
	}

	hist, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execARN)})
	mustNoErr(t, "GetExecutionHistory", err)
	var kinds []string
	for _, ev := range hist.Events {
		kinds = append(kinds, string(ev.Type))
	}
	if got := strings.Join(kinds, ","); got != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Fatalf("history = %s", got)
	}
	first := hist.Events[0]
	if first.Id != 1 || first.Timestamp == nil || first.ExecutionStartedEventDetails == nil || aws.ToString(first.ExecutionStartedEventDetails.Input) != `{"n":1}` {
		t.Fatalf("ExecutionStarted = %+v", first)
	}
	if out := hist.Events[3].ExecutionSucceededEventDetails; out == nil || aws.ToString(out.Output) != `{"ok":true}` {
		t.Fatalf("ExecutionSucceeded details = %+v", out)
	}

	reversed, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execARN), ReverseOrder: true, MaxResults: 3, IncludeExecutionData: aws.Bool(false)})
	mustNoErr(t, "GetExecutionHistory reversed", err)
	if len(reversed.Events) != 3 || reversed.Events[0].Type != types.HistoryEventTypeExecutionSucceeded || reversed.NextToken == nil {
		t.Fatalf("reversed page: %d events, first %s, next %v", len(reversed.Events), reversed.Events[0].Type, reversed.NextToken)
	}
	if d := reversed.Events[0].ExecutionSucceededEventDetails; d != nil && d.Output != nil {
		t.Fatalf("includeExecutionData=false kept output %s", aws.ToString(d.Output))
	}
	rest, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execARN), ReverseOrder: true, MaxResults: 3, NextToken: reversed.NextToken})
	mustNoErr(t, "GetExecutionHistory page 2", err)
	if len(rest.Events) != 1 || rest.Events[0].Type != types.HistoryEventTypeExecutionStarted || rest.NextToken != nil {
		t.Fatalf("page 2: %+v", rest.Events)
	}

	forExec, err := c.DescribeStateMachineForExecution(ctx, &awssfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(execARN)})
	mustNoErr(t, "DescribeStateMachineForExecution", err)
	if aws.ToString(forExec.StateMachineArn) != machine || aws.ToString(forExec.Definition) != passDefinition || aws.ToString(forExec.Name) != "flow" {
		t.Fatalf("DescribeStateMachineForExecution = %+v", forExec)
	}

	runs, err := c.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: aws.String(execARN)})
	mustNoErr(t, "ListMapRuns", err)
	if len(runs.MapRuns) != 0 {
		t.Fatalf("map runs %+v", runs.MapRuns)
	}
}

func TestExecutionErrors(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	machine := createMachine(t, c, "errs")
	express := createMachineWith(t, c, "fast", passDefinition, types.StateMachineTypeExpress)
	missingMachine := scope.StateMachineARN("missing")
	missingExec := scope.ExecutionARN("errs", "missing")
	big := `"` + strings.Repeat("x", 262144) + `"`
	tests := []struct {
		name  string
		call  func() error
		check func(t *testing.T, err error)
	}{
		{"start on a missing machine", func() error {
			_, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(missingMachine)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.StateMachineDoesNotExist](t, err, "State Machine Does Not Exist: '"+missingMachine+"'")
		}},
		{"start on a missing version", func() error {
			_, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine + ":7")})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.StateMachineDoesNotExist](t, err, "State Machine Does Not Exist: '"+machine+":7'")
		}},
		{"input that is not JSON", func() error {
			_, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String("{nope")})
			return err
		}, func(t *testing.T, err error) {
			e := wantAPIError[*types.InvalidExecutionInput](t, err, "")
			if !strings.HasPrefix(e.ErrorMessage(), "Invalid State Machine Execution Input: '") {
				t.Fatalf("message %q", e.ErrorMessage())
			}
		}},
		{"input over 256 KiB", func() error {
			_, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(big)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ValidationException](t, err, "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144")
		}},
		{"invalid execution name", func() error {
			_, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String("run#1")})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.InvalidName](t, err, "Invalid Name: 'run#1'")
		}},
		{"sync start of a STANDARD machine", func() error {
			_, err := c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: aws.String(machine)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.StateMachineTypeNotSupported](t, err, "This operation is not supported by this type of state machine")
		}},
		{"list executions of an EXPRESS machine", func() error {
			_, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(express)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.StateMachineTypeNotSupported](t, err, "This operation is not supported by this type of state machine")
		}},
		{"list executions of a missing machine", func() error {
			_, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(missingMachine)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.StateMachineDoesNotExist](t, err, "State Machine Does Not Exist: '"+missingMachine+"'")
		}},
		{"list executions with no machine", func() error {
			_, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{})
			return err
		}, func(t *testing.T, err error) {
			e := wantAPIError[*types.ValidationException](t, err, "Must provide a StateMachine ARN or MapRun ARN")
			if e.Reason != types.ValidationExceptionReasonMissingRequiredParameter {
				t.Fatalf("reason %s", e.Reason)
			}
		}},
		{"list executions with a bad status", func() error {
			_, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machine), StatusFilter: "DONE"})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ValidationException](t, err, "1 validation error detected: Value 'DONE' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]")
		}},
		{"describe a missing execution", func() error {
			_, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(missingExec)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ExecutionDoesNotExist](t, err, "Execution Does Not Exist: '"+missingExec+"'")
		}},
		{"stop a missing execution", func() error {
			_, err := c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: aws.String(missingExec)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ExecutionDoesNotExist](t, err, "Execution Does Not Exist: '"+missingExec+"'")
		}},
		{"history of a missing execution", func() error {
			_, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(missingExec)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ExecutionDoesNotExist](t, err, "Execution Does Not Exist: '"+missingExec+"'")
		}},
		{"definition of a missing execution", func() error {
			_, err := c.DescribeStateMachineForExecution(ctx, &awssfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(missingExec)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ExecutionDoesNotExist](t, err, "Execution Does Not Exist: '"+missingExec+"'")
		}},
		{"redrive a missing execution", func() error {
			_, err := c.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: aws.String(missingExec)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ExecutionDoesNotExist](t, err, "Execution Does Not Exist: '"+missingExec+"'")
		}},
		{"map runs of a missing execution", func() error {
			_, err := c.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: aws.String(missingExec)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ExecutionDoesNotExist](t, err, "Execution Does Not Exist: '"+missingExec+"'")
		}},
		{"describe a map run", func() error {
			_, err := c.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:errs/Map:run-1")})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ResourceNotFound](t, err, "Resource not found: 'arn:aws:states:us-east-1:123456789012:mapRun:errs/Map:run-1'")
		}},
		{"update a map run", func() error {
			_, err := c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:errs/Map:run-1"), MaxConcurrency: aws.Int32(2)})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.ResourceNotFound](t, err, "Resource not found: 'arn:aws:states:us-east-1:123456789012:mapRun:errs/Map:run-1'")
		}},
		{"success with an unknown token", func() error {
			_, err := c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String("no-such-token"), Output: aws.String("{}")})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.InvalidToken](t, err, "Invalid Token: 'Invalid token'")
		}},
		{"failure with an unknown token", func() error {
			_, err := c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String("no-such-token")})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.InvalidToken](t, err, "Invalid Token: 'Invalid token'")
		}},
		{"heartbeat with an unknown token", func() error {
			_, err := c.SendTaskHeartbeat(ctx, &awssfn.SendTaskHeartbeatInput{TaskToken: aws.String("no-such-token")})
			return err
		}, func(t *testing.T, err error) {
			wantAPIError[*types.InvalidToken](t, err, "Invalid Token: 'Invalid token'")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t, tt.call())
		})
	}
	// Rejected starts left nothing behind.
	list, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machine)})
	mustNoErr(t, "ListExecutions", err)
	if len(list.Executions) != 0 {
		t.Fatalf("rejected starts stored %d executions", len(list.Executions))
	}
}

const waitDefinition = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`

func TestStopAndRedriveExecution(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	machine := createMachineWith(t, c, "waits", waitDefinition, types.StateMachineTypeStandard)
	started, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String("long"), Input: aws.String(`{"k":1}`)})
	mustNoErr(t, "StartExecution", err)
	arn := aws.ToString(started.ExecutionArn)
	// While it runs, the same name and input is idempotent; another input is refused.
	again, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String("long"), Input: aws.String(`{"k":1}`)})
	mustNoErr(t, "StartExecution again", err)
	if aws.ToString(again.ExecutionArn) != arn || !again.StartDate.Equal(*started.StartDate) {
		t.Fatalf("idempotent start gave %s %v", aws.ToString(again.ExecutionArn), again.StartDate)
	}
	_, err = c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String("long"), Input: aws.String(`{"k":2}`)})
	wantAPIError[*types.ExecutionAlreadyExists](t, err, "Execution Already Exists: '"+arn+"'")

	running, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	mustNoErr(t, "DescribeExecution", err)
	if running.Status != types.ExecutionStatusRunning || running.StopDate != nil {
		t.Fatalf("running execution = %s stop %v", running.Status, running.StopDate)
	}
	_, err = c.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
	wantAPIError[*types.ExecutionNotRedrivable](t, err, "Execution is RUNNING and cannot be redriven")

	stopped, err := c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: aws.String(arn), Error: aws.String("Operator"), Cause: aws.String("no longer needed")})
	mustNoErr(t, "StopExecution", err)
	if stopped.StopDate == nil {
		t.Fatalf("StopExecution without stopDate")
	}
	desc := waitDone(t, c, arn)
	if desc.Status != types.ExecutionStatusAborted || aws.ToString(desc.Error) != "Operator" || aws.ToString(desc.Cause) != "no longer needed" {
		t.Fatalf("stopped execution = %s %s %s", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	hist, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: true, MaxResults: 1})
	mustNoErr(t, "GetExecutionHistory", err)
	if ev := hist.Events[0]; ev.Type != types.HistoryEventTypeExecutionAborted || ev.ExecutionAbortedEventDetails == nil || aws.ToString(ev.ExecutionAbortedEventDetails.Error) != "Operator" {
		t.Fatalf("last event = %+v", ev)
	}
	aborted, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machine), StatusFilter: types.ExecutionStatusAborted})
	mustNoErr(t, "ListExecutions ABORTED", err)
	if len(aborted.Executions) != 1 {
		t.Fatalf("ABORTED executions: %d", len(aborted.Executions))
	}

	redriven, err := c.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
	mustNoErr(t, "RedriveExecution", err)
	if redriven.RedriveDate == nil {
		t.Fatalf("RedriveExecution without redriveDate")
	}
	after, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	mustNoErr(t, "DescribeExecution after redrive", err)
	if after.RedriveCount == nil || *after.RedriveCount != 1 {
		t.Fatalf("redriveCount = %v", after.RedriveCount)
	}
}

func TestStartSyncExecution(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	ok := createMachineWith(t, c, "sync-ok", passDefinition, types.StateMachineTypeExpress)
	fails := createMachineWith(t, c, "sync-fail", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`, types.StateMachineTypeExpress)

	out, err := c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: aws.String(ok), Name: aws.String("s1"), Input: aws.String(`{"a":1}`)})
	mustNoErr(t, "StartSyncExecution", err)
	if out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"ok":true}` || aws.ToString(out.Input) != `{"a":1}` ||
		out.StartDate == nil || out.StopDate == nil || !strings.Contains(aws.ToString(out.ExecutionArn), ":express:sync-ok:s1:") {
		t.Fatalf("StartSyncExecution = %+v", out)
	}
	failed, err := c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: aws.String(fails)})
	mustNoErr(t, "StartSyncExecution failing", err)
	if failed.Status != types.SyncExecutionStatusFailed || aws.ToString(failed.Error) != "Boom" || aws.ToString(failed.Cause) != "it broke" || failed.Output != nil {
		t.Fatalf("failing StartSyncExecution = %s %s %s", failed.Status, aws.ToString(failed.Error), aws.ToString(failed.Cause))
	}
}

func TestActivityWorker(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	activity, err := c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("review")})
	mustNoErr(t, "CreateActivity", err)
	definition := `{"StartAt":"Review","States":{"Review":{"Type":"Task","Resource":"` + aws.ToString(activity.ActivityArn) + `","End":true}}}`
	machine := createMachineWith(t, c, "reviews", definition, types.StateMachineTypeStandard)

	for _, succeed := range []bool{true, false} {
		started, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"doc":7}`)})
		mustNoErr(t, "StartExecution", err)
		task, err := c.GetActivityTask(ctx, &awssfn.GetActivityTaskInput{ActivityArn: activity.ActivityArn, WorkerName: aws.String("w1")})
		mustNoErr(t, "GetActivityTask", err)
		if task.TaskToken == nil || aws.ToString(task.Input) != `{"doc":7}` {
			t.Fatalf("GetActivityTask = token %v input %s", task.TaskToken, aws.ToString(task.Input))
		}
		_, err = c.SendTaskHeartbeat(ctx, &awssfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken})
		mustNoErr(t, "SendTaskHeartbeat", err)
		if succeed {
			_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String("{nope")})
			e := wantAPIError[*types.InvalidOutput](t, err, "")
			if !strings.HasPrefix(e.ErrorMessage(), "Invalid Output: '") {
				t.Fatalf("InvalidOutput message %q", e.ErrorMessage())
			}
			_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"approved":true}`)})
			mustNoErr(t, "SendTaskSuccess", err)
		} else {
			_, err = c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String("Rejected"), Cause: aws.String("bad doc")})
			mustNoErr(t, "SendTaskFailure", err)
		}
		desc := waitDone(t, c, aws.ToString(started.ExecutionArn))
		switch {
		case succeed && (desc.Status != types.ExecutionStatusSucceeded || aws.ToString(desc.Output) != `{"approved":true}`):
			t.Fatalf("after SendTaskSuccess: %s %s", desc.Status, aws.ToString(desc.Output))
		case !succeed && (desc.Status != types.ExecutionStatusFailed || aws.ToString(desc.Error) != "Rejected" || aws.ToString(desc.Cause) != "bad doc"):
			t.Fatalf("after SendTaskFailure: %s %s %s", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
		}
		if !succeed {
			if desc.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
				t.Fatalf("failed execution redriveStatus %s", desc.RedriveStatus)
			}
		}
		// The task is over: its token is spent.
		_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String("{}")})
		wantAPIError[*types.TaskTimedOut](t, err, "Task Timed Out: 'Provided task does not exist anymore'")
	}
}

func TestExecutionsOfVersionsAndAliases(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	created, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name: aws.String("vx"), Definition: aws.String(passDefinition), RoleArn: aws.String(roleARN), Publish: true,
	})
	mustNoErr(t, "CreateStateMachine", err)
	machine, v1 := aws.ToString(created.StateMachineArn), aws.ToString(created.StateMachineVersionArn)
	alias, err := c.CreateStateMachineAlias(ctx, &awssfn.CreateStateMachineAliasInput{
		Name: aws.String("live"), RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v1), Weight: 100}},
	})
	mustNoErr(t, "CreateStateMachineAlias", err)
	_, err = c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(machine), Definition: aws.String(otherDefinition)})
	mustNoErr(t, "UpdateStateMachine", err)

	byVersion, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(v1)})
	mustNoErr(t, "StartExecution on a version", err)
	byAlias, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: alias.StateMachineAliasArn})
	mustNoErr(t, "StartExecution on an alias", err)
	unversioned, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine)})
	mustNoErr(t, "StartExecution on the machine", err)

	d := waitDone(t, c, aws.ToString(byVersion.ExecutionArn))
	if aws.ToString(d.StateMachineVersionArn) != v1 || aws.ToString(d.Output) != `{"ok":true}` {
		t.Fatalf("execution of version 1: version %s output %s", aws.ToString(d.StateMachineVersionArn), aws.ToString(d.Output))
	}
	d = waitDone(t, c, aws.ToString(byAlias.ExecutionArn))
	if aws.ToString(d.StateMachineAliasArn) != aws.ToString(alias.StateMachineAliasArn) || aws.ToString(d.StateMachineVersionArn) != v1 {
		t.Fatalf("execution through alias: alias %s version %s", aws.ToString(d.StateMachineAliasArn), aws.ToString(d.StateMachineVersionArn))
	}
	d = waitDone(t, c, aws.ToString(unversioned.ExecutionArn))
	if d.StateMachineVersionArn != nil || aws.ToString(d.Output) != "{}" {
		t.Fatalf("unversioned execution: version %v output %s", d.StateMachineVersionArn, aws.ToString(d.Output))
	}
	forExec, err := c.DescribeStateMachineForExecution(ctx, &awssfn.DescribeStateMachineForExecutionInput{ExecutionArn: byVersion.ExecutionArn})
	mustNoErr(t, "DescribeStateMachineForExecution", err)
	if aws.ToString(forExec.Definition) != passDefinition {
		t.Fatalf("definition for the version's execution = %s", aws.ToString(forExec.Definition))
	}

	for _, tt := range []struct {
		filter string
		want   int
	}{{machine, 3}, {v1, 2}, {aws.ToString(alias.StateMachineAliasArn), 1}} {
		list, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(tt.filter)})
		mustNoErr(t, "ListExecutions "+tt.filter, err)
		if len(list.Executions) != tt.want {
			data, _ := json.Marshal(list.Executions)
			t.Fatalf("ListExecutions %s: %d executions, want %d: %s", tt.filter, len(list.Executions), tt.want, data)
		}
	}
}

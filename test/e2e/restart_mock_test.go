package e2e

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

// A mocked test case started with StartExecution on "ARN#Case" keeps its mocks across a
// restart: the first attempt of the task is answered by the mock's invocation 0 (a Throw),
// the server is killed during the 3-second Retry interval, and after the restart the retry is
// answered by invocation 1 (a Return). A server that forgot the binding sends the retry to
// the task runners (none for the Lambda: States.Runtime); one that forgot the count answers
// invocation 0 again (the Throw, and MaxAttempts 1 ends the execution FAILED).
func TestRestartKeepsMockedTestCase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mocks := `{"StateMachines": {"Checkout": {"TestCases": {"FlakyCharge": {"Charge": "ChargeFlaky"}}}},
	  "MockedResponses": {"ChargeFlaky": {
	    "0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "try again"}},
	    "1": {"Return": {"Payload": {"charged": true}}}}}}`
	if err := os.WriteFile(filepath.Join(dir, "mocks.json"), []byte(mocks), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "data", "stepflow.db")
	args := []string{"--db", db, "--mocks", filepath.Join(dir, "mocks.json")}
	first := runServerProcess(t, dir, args...)
	c := first.client()
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Checkout"), RoleArn: aws.String(roleARN),
		Definition: aws.String(`{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",` +
			`"Parameters":{"FunctionName":"charge"},"Retry":[{"ErrorEquals":["Lambda.ServiceException"],"IntervalSeconds":3,"MaxAttempts":1}],` +
			`"OutputPath":"$.Payload","End":true}}}`)})
	mustNoErr(t, "CreateStateMachine", err)
	ex, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(aws.ToString(sm.StateMachineArn) + "#FlakyCharge"), Name: aws.String("run-1")})
	mustNoErr(t, "StartExecution", err)
	waitFor(t, 30*time.Second, "the first attempt to fail", func() bool {
		h, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			return false
		}
		for _, e := range h.Events {
			if e.Type == types.HistoryEventTypeTaskFailed {
				return true
			}
		}
		return false
	})
	first.signal(syscall.SIGKILL)

	second := runServerProcess(t, dir, args...)
	c = second.client()
	var out *awssfn.DescribeExecutionOutput
	waitFor(t, 60*time.Second, "the execution to end", func() bool {
		out, err = c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		return err == nil && out.Status != types.ExecutionStatusRunning
	})
	if out.Status != types.ExecutionStatusSucceeded || aws.ToString(out.Output) != `{"charged":true}` {
		t.Fatalf("after the restart: %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	second.signal(syscall.SIGTERM)
	// The execution ended, so its binding is gone from the store.
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tags, err := st.TagList(ctx, &store.TagListParams{ResourceARN: aws.ToString(ex.ExecutionArn)})
	if err != nil || len(tags) != 0 {
		t.Fatalf("the ended execution's binding is still stored: %v %v", tags, err)
	}
}

// An execution that ends in its first step is created ended, in one commit: a server killed
// right after StartExecution answers leaves it SUCCEEDED at version 1 in the SQLite file, with
// its whole history, before any restart or recovery.
func TestExecutionEndedInFirstStepIsOneCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "stepflow.db")
	p := runServerProcess(t, dir, "--db", db)
	c := p.client()
	ctx := context.Background()
	machine := createMachine(t, c, "quick")
	ex, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String("once"), Input: aws.String(`{"n":1}`)})
	mustNoErr(t, "StartExecution", err)
	p.signal(syscall.SIGKILL)

	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, err := st.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: aws.ToString(ex.ExecutionArn)})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != sfn.StatusSucceeded || rec.Version != 1 || rec.StopDate == nil || rec.Output == nil || *rec.Output != `{"ok":true}` {
		t.Fatalf("after SIGKILL: status %s version %d stop %v output %v", rec.Status, rec.Version, rec.StopDate, rec.Output)
	}
	page, err := st.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: rec.ARN})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range page.Events {
		kinds = append(kinds, string(e.Type))
	}
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
	if len(kinds) != len(want) {
		t.Fatalf("history %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("history %v, want %v", kinds, want)
		}
	}
}

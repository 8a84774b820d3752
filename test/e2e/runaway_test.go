package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// runawayDefinition is the loop of issue #20: nothing in it waits, nothing ends it.
const runawayDefinition = `{"StartAt":"A","States":{
  "A":{"Type":"Pass","Next":"B"},
  "B":{"Type":"Choice","Choices":[{"Variable":"$.never","IsPresent":true,"Next":"E"}],"Default":"A"},
  "E":{"Type":"Succeed"}}}`

const historyLimitCause = "The execution reached the maximum number of history events (25000)."

// wantHistoryLimitFailure checks that an execution ended as AWS ends one whose history filled
// up: FAILED with States.Runtime, and ExecutionFailed as event 25,000.
func wantHistoryLimitFailure(t *testing.T, ctx context.Context, c *awssfn.Client, arn string, end *awssfn.DescribeExecutionOutput) {
	t.Helper()
	if end.Status != types.ExecutionStatusFailed || aws.ToString(end.Error) != "States.Runtime" || aws.ToString(end.Cause) != historyLimitCause {
		t.Fatalf("ended %s %q %q, want FAILED States.Runtime %q", end.Status, aws.ToString(end.Error), aws.ToString(end.Cause), historyLimitCause)
	}
	h, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: true, MaxResults: 2})
	mustNoErr(t, "GetExecutionHistory", err)
	last := h.Events[0]
	if last.Id != 25000 || last.PreviousEventId != 24999 || last.Type != types.HistoryEventTypeExecutionFailed ||
		aws.ToString(last.ExecutionFailedEventDetails.Error) != "States.Runtime" || aws.ToString(last.ExecutionFailedEventDetails.Cause) != historyLimitCause {
		t.Fatalf("last event %d (previous %d) %s", last.Id, last.PreviousEventId, last.Type)
	}
	if h.Events[1].Id != 24999 {
		t.Fatalf("event before the last is %d", h.Events[1].Id)
	}
}

// TestRunawayExecutionsThroughTheAPI runs issue #20's runaway executions against `stepflow
// server` with the AWS SDK: StartExecution answers, DescribeExecution sees them, they fail
// at the history limit as on AWS, and StopExecution stops one that loops.
func TestRunawayExecutionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	// Every call has a deadline: a server that hangs fails the test instead of blocking it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := loadClientsFor(t, startServerProcess(t), 1)[0]
	machine := createMachineWith(t, c, "runaway", runawayDefinition, types.StateMachineTypeStandard)

	start, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine)})
	mustNoErr(t, "StartExecution", err)
	arn := aws.ToString(start.ExecutionArn)
	if _, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)}); err != nil {
		t.Fatalf("DescribeExecution of a started runaway execution: %v", err)
	}
	wantHistoryLimitFailure(t, ctx, c, arn, waitDone(t, c, arn))

	// An inline Map over a million items (JSONata) fails at the history limit too, instead
	// of starting a million iterations in memory.
	bigMap := createMachineWith(t, c, "million", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
  "Items":"{% [1..1000000] %}","End":true,
  "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}`,
		types.StateMachineTypeStandard)
	start, err = c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(bigMap)})
	mustNoErr(t, "StartExecution of the Map", err)
	wantHistoryLimitFailure(t, ctx, c, aws.ToString(start.ExecutionArn), waitDone(t, c, aws.ToString(start.ExecutionArn)))

	// StopExecution gets in between the loop's steps. The loop fills its history in a few
	// tens of milliseconds; an attempt whose stop came after that is tried again.
	for attempt := 1; ; attempt++ {
		start, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine)})
		mustNoErr(t, "StartExecution", err)
		arn := aws.ToString(start.ExecutionArn)
		_, err = c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: aws.String(arn), Error: aws.String("Halt"), Cause: aws.String("runaway")})
		mustNoErr(t, "StopExecution", err)
		end := waitDone(t, c, arn)
		if end.Status == types.ExecutionStatusFailed && attempt < 5 {
			t.Logf("attempt %d: the history filled up before the stop", attempt)
			wantHistoryLimitFailure(t, ctx, c, arn, end)
			continue
		}
		if end.Status != types.ExecutionStatusAborted || aws.ToString(end.Error) != "Halt" {
			t.Fatalf("stopped execution ended %s %q", end.Status, aws.ToString(end.Error))
		}
		break
	}
}

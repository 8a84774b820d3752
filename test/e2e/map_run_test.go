package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// distributedMap is a Distributed Map labelled Doubler over $.items whose iterations run the
// "double" function, or ITERATION when given.
func distributedMap(iteration string, settings string) string {
	if iteration == "" {
		iteration = `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","End":true}`
	}
	return `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"Doubler","ItemsPath":"$.items",` + settings +
		`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":` + iteration + `}},"End":true}}}`
}

func TestMapRunFinished(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	machine := createMachineWith(t, c, "mr", distributedMap("", `"MaxConcurrency":2,"ToleratedFailureCount":1,`), types.StateMachineTypeStandard)
	run, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[{"n":1},{"n":2},{"n":3}]}`)})
	mustNoErr(t, "StartExecution", err)
	if done := waitDone(t, c, aws.ToString(run.ExecutionArn)); done.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s %s", done.Status, aws.ToString(done.Error), aws.ToString(done.Cause))
	}

	list, err := c.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: run.ExecutionArn})
	mustNoErr(t, "ListMapRuns", err)
	if len(list.MapRuns) != 1 {
		t.Fatalf("map runs %+v, want one", list.MapRuns)
	}
	item := list.MapRuns[0]
	arn := aws.ToString(item.MapRunArn)
	if !strings.HasPrefix(arn, "arn:aws:states:us-east-1:123456789012:mapRun:mr/Doubler:") {
		t.Fatalf("map run ARN %s", arn)
	}
	if got := aws.ToString(item.StateMachineArn); got != "arn:aws:states:us-east-1:123456789012:stateMachine:mr/Doubler" {
		t.Fatalf("stateMachineArn %s", got)
	}
	if aws.ToString(item.ExecutionArn) != aws.ToString(run.ExecutionArn) || item.StartDate == nil || item.StopDate == nil {
		t.Fatalf("list item %+v", item)
	}

	described, err := c.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: aws.String(arn)})
	mustNoErr(t, "DescribeMapRun", err)
	if described.Status != types.MapRunStatusSucceeded || described.MaxConcurrency != 2 || described.ToleratedFailureCount != 1 ||
		described.ToleratedFailurePercentage != 0 || aws.ToString(described.ExecutionArn) != aws.ToString(run.ExecutionArn) ||
		described.ItemCounts.Succeeded != 3 || described.ItemCounts.Total != 3 || described.ItemCounts.Failed != 0 || described.ExecutionCounts.Succeeded != 3 || described.ExecutionCounts.Total != 3 ||
		described.StopDate == nil {
		t.Fatalf("DescribeMapRun %+v items %+v", described, described.ItemCounts)
	}

	_, err = c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String(arn), MaxConcurrency: aws.Int32(5)})
	wantAPIError[*types.ValidationException](t, err, "Map Run is SUCCEEDED and can no longer be updated: '"+arn+"'")

	children, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: aws.String(arn)})
	mustNoErr(t, "ListExecutions mapRunArn", err)
	if len(children.Executions) != 0 {
		t.Fatalf("children %+v", children.Executions)
	}
}

func TestMapRunRunning(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	activity, err := c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("mr-work")})
	mustNoErr(t, "CreateActivity", err)
	iteration := `{"Type":"Task","Resource":"` + aws.ToString(activity.ActivityArn) + `","End":true}`
	machine := createMachineWith(t, c, "mr-live", distributedMap(iteration, `"MaxConcurrency":1,"ToleratedFailurePercentage":50,`), types.StateMachineTypeStandard)
	run, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[1,2]}`)})
	mustNoErr(t, "StartExecution", err)

	var arn string
	deadline := time.Now().Add(30 * time.Second)
	for arn == "" {
		list, err := c.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: run.ExecutionArn})
		mustNoErr(t, "ListMapRuns", err)
		if len(list.MapRuns) == 1 {
			arn = aws.ToString(list.MapRuns[0].MapRunArn)
		} else if time.Now().After(deadline) {
			t.Fatal("no map run after 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The first iteration waits for an activity worker; the second waits for room.
	var described *awssfn.DescribeMapRunOutput
	for {
		described, err = c.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: aws.String(arn)})
		mustNoErr(t, "DescribeMapRun", err)
		if described.ItemCounts.Running == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	items := described.ItemCounts
	if described.Status != types.MapRunStatusRunning || items.Pending != 1 || items.Running != 1 || items.Total != 2 || items.Succeeded != 0 || described.StopDate != nil ||
		described.MaxConcurrency != 1 || described.ToleratedFailurePercentage != 50 {
		t.Fatalf("DescribeMapRun %+v items %+v", described, described.ItemCounts)
	}

	_, err = c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String(arn), MaxConcurrency: aws.Int32(5), ToleratedFailureCount: aws.Int64(1)})
	mustNoErr(t, "UpdateMapRun", err)
	described, err = c.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: aws.String(arn)})
	mustNoErr(t, "DescribeMapRun", err)
	if described.MaxConcurrency != 5 || described.ToleratedFailureCount != 1 || described.ToleratedFailurePercentage != 50 {
		t.Fatalf("after UpdateMapRun %+v", described)
	}

	_, err = c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: run.ExecutionArn})
	mustNoErr(t, "StopExecution", err)
	described, err = c.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: aws.String(arn)})
	mustNoErr(t, "DescribeMapRun", err)
	if described.Status != types.MapRunStatusAborted || described.StopDate == nil || described.ItemCounts.Aborted != 2 {
		t.Fatalf("after StopExecution %+v items %+v", described, described.ItemCounts)
	}
}

func TestMapRunErrors(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{
			name: "update with nothing to change",
			call: func() error {
				_, err := c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:m/L:id")})
				return err
			},
			code: "ValidationException",
			msg:  "Must provide at least one of maxConcurrency, toleratedFailureCount or toleratedFailurePercentage",
		},
		{
			name: "percentage over 100",
			call: func() error {
				_, err := c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:m/L:id"), ToleratedFailurePercentage: aws.Float32(101)})
				return err
			},
			code: "ValidationException",
			msg:  "1 validation error detected: Value '101' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value less than or equal to 100",
		},
		{
			name: "ARN without a label",
			call: func() error {
				_, err := c.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:m:id")})
				return err
			},
			code: "InvalidArn",
			msg:  "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:mapRun:m:id'",
		},
		{
			name: "execution ARN",
			call: func() error {
				_, err := c.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:id")})
				return err
			},
			code: "InvalidArn",
			msg:  "Invalid Arn: 'Resource type not valid in this context: execution'",
		},
		{
			name: "children of a missing run",
			call: func() error {
				_, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:m/L:id")})
				return err
			},
			code: "ResourceNotFound",
			msg:  "Resource not found: 'arn:aws:states:us-east-1:123456789012:mapRun:m/L:id'",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrorCode(t, tc.call(), tc.code, tc.msg)
		})
	}
}

package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/internal/pgtest"
	"github.com/stepflow/stepflow/store/postgres"
)

// The child executions of a Distributed Map, through the AWS SDK over the wire: listed by
// ListExecutions(mapRunArn), described, and each with its own history.

func TestChildExecutionsSQLite(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	testChildExecutions(t, c)
}

func TestChildExecutionsPostgres(t *testing.T) {
	t.Parallel()
	st, err := postgres.Open(context.Background(), pgtest.Schema(t, "child execution tests"))
	if err != nil {
		t.Fatal(err)
	}
	testChildExecutions(t, startServerOn(t, st).client(t))
}

func testChildExecutions(t *testing.T, c *awssfn.Client) {
	ctx := context.Background()
	// Items with a "fail" key fail their iteration; one failure is tolerated.
	iteration := `{"Type":"Choice","Choices":[{"Variable":"$.fail","IsPresent":true,"Next":"Boom"}],"Default":"Double"},
		"Double":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","End":true},
		"Boom":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:boom","End":true}`
	machine := createMachineWith(t, c, "kids", distributedMap(iteration, `"MaxConcurrency":2,"ToleratedFailureCount":1,`), types.StateMachineTypeStandard)
	run, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine),
		Input: aws.String(`{"items":[{"n":1},{"n":2},{"n":3,"fail":true},{"n":4}]}`)})
	mustNoErr(t, "StartExecution", err)
	if done := waitDone(t, c, aws.ToString(run.ExecutionArn)); done.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s %s", done.Status, aws.ToString(done.Error), aws.ToString(done.Cause))
	}
	mapRun := awaitMapRun(t, c, aws.ToString(run.ExecutionArn))
	labelled := "arn:aws:states:us-east-1:123456789012:stateMachine:kids/Doubler"

	// All four, newest first; in pages of 3; by status.
	var children []types.ExecutionListItem
	var token *string
	pages := 0
	for {
		page, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: aws.String(mapRun), MaxResults: 3, NextToken: token})
		mustNoErr(t, "ListExecutions mapRunArn", err)
		children = append(children, page.Executions...)
		pages++
		if token = page.NextToken; token == nil {
			break
		}
	}
	if len(children) != 4 || pages != 2 {
		t.Fatalf("%d children in %d pages", len(children), pages)
	}
	names := map[string]bool{}
	for i, child := range children {
		arn := aws.ToString(child.ExecutionArn)
		if !strings.HasPrefix(arn, "arn:aws:states:us-east-1:123456789012:execution:kids/Doubler:") || !strings.HasSuffix(arn, ":"+aws.ToString(child.Name)) ||
			names[arn] || aws.ToString(child.StateMachineArn) != labelled || aws.ToString(child.MapRunArn) != mapRun ||
			aws.ToInt32(child.ItemCount) != 1 || child.StartDate == nil || child.StopDate == nil {
			t.Fatalf("child %d: %+v", i, child)
		}
		names[arn] = true
		if i > 0 && child.StartDate.After(*children[i-1].StartDate) {
			t.Fatalf("child %d started after the one listed before it", i)
		}
	}
	failed, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: aws.String(mapRun), StatusFilter: types.ExecutionStatusFailed})
	mustNoErr(t, "ListExecutions FAILED", err)
	if len(failed.Executions) != 1 {
		t.Fatalf("failed children %+v", failed.Executions)
	}
	failedARN := aws.ToString(failed.Executions[0].ExecutionArn)

	// The parent's machine lists the parent only.
	top, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machine)})
	mustNoErr(t, "ListExecutions stateMachineArn", err)
	if len(top.Executions) != 1 || aws.ToString(top.Executions[0].ExecutionArn) != aws.ToString(run.ExecutionArn) || top.Executions[0].MapRunArn != nil {
		t.Fatalf("executions of the machine %+v", top.Executions)
	}

	// DescribeExecution of a child that failed and of one that succeeded.
	d, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(failedARN)})
	mustNoErr(t, "DescribeExecution child", err)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Boom" || !strings.Contains(aws.ToString(d.Cause), "it exploded") ||
		aws.ToString(d.MapRunArn) != mapRun || aws.ToString(d.StateMachineArn) != labelled || aws.ToString(d.Input) != `{"n":3,"fail":true}` ||
		d.Output != nil || d.StopDate == nil {
		t.Fatalf("DescribeExecution of the failed child: %s %q %q %q %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), aws.ToString(d.MapRunArn), aws.ToString(d.StateMachineArn), aws.ToString(d.Input))
	}
	failedCause := aws.ToString(d.Cause)
	forChild, err := c.DescribeStateMachineForExecution(ctx, &awssfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(failedARN)})
	mustNoErr(t, "DescribeStateMachineForExecution child", err)
	if aws.ToString(forChild.MapRunArn) != mapRun || aws.ToString(forChild.Label) != "Doubler" || aws.ToString(forChild.StateMachineArn) != labelled ||
		!strings.Contains(aws.ToString(forChild.Definition), `"Doubler"`) {
		t.Fatalf("DescribeStateMachineForExecution of a child %+v", forChild)
	}
	var succeededARN string
	for _, child := range children {
		if child.Status == types.ExecutionStatusSucceeded {
			succeededARN = aws.ToString(child.ExecutionArn)
		}
	}
	d, err = c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(succeededARN)})
	mustNoErr(t, "DescribeExecution child", err)
	var out struct{ N float64 }
	if d.Status != types.ExecutionStatusSucceeded || json.Unmarshal([]byte(aws.ToString(d.Output)), &out) != nil || out.N == 0 ||
		d.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable {
		t.Fatalf("DescribeExecution of a child that succeeded %+v", d)
	}

	// Its own history, ids from 1, in both orders and in pages, with and without data.
	want := []types.HistoryEventType{types.HistoryEventTypeExecutionStarted, types.HistoryEventTypeChoiceStateEntered,
		types.HistoryEventTypeChoiceStateExited, types.HistoryEventTypeTaskStateEntered, types.HistoryEventTypeLambdaFunctionScheduled,
		types.HistoryEventTypeLambdaFunctionStarted, types.HistoryEventTypeLambdaFunctionFailed, types.HistoryEventTypeExecutionFailed}
	var events []types.HistoryEvent
	token = nil
	for {
		page, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(failedARN), MaxResults: 3, NextToken: token})
		mustNoErr(t, "GetExecutionHistory child", err)
		events = append(events, page.Events...)
		if token = page.NextToken; token == nil {
			break
		}
	}
	var types_ []types.HistoryEventType
	for i, ev := range events {
		types_ = append(types_, ev.Type)
		if ev.Id != int64(i+1) {
			t.Fatalf("event %d has id %d", i, ev.Id)
		}
	}
	if !slices.Equal(types_, want) {
		t.Fatalf("child history %v, want %v", types_, want)
	}
	if f := events[len(events)-1].ExecutionFailedEventDetails; f == nil || aws.ToString(f.Error) != "Boom" || aws.ToString(f.Cause) != failedCause {
		t.Fatalf("ExecutionFailed %+v", events[len(events)-1])
	}
	if s := events[0].ExecutionStartedEventDetails; s == nil || aws.ToString(s.Input) != `{"n":3,"fail":true}` {
		t.Fatalf("ExecutionStarted %+v", events[0].ExecutionStartedEventDetails)
	}
	reverse, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(failedARN), ReverseOrder: true,
		IncludeExecutionData: aws.Bool(false)})
	mustNoErr(t, "GetExecutionHistory reverse", err)
	if len(reverse.Events) != len(want) || reverse.Events[0].Type != types.HistoryEventTypeExecutionFailed ||
		reverse.Events[len(want)-1].ExecutionStartedEventDetails.Input != nil {
		t.Fatalf("reverse history %+v", reverse.Events)
	}

	// The parent's history holds none of the children's events.
	parent, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: run.ExecutionArn})
	mustNoErr(t, "GetExecutionHistory parent", err)
	for _, ev := range parent.Events {
		if ev.Type == types.HistoryEventTypeLambdaFunctionScheduled {
			t.Fatalf("the parent's history holds %s", ev.Type)
		}
	}

	// Unknown children are ExecutionDoesNotExist, as any execution.
	unknown := "arn:aws:states:us-east-1:123456789012:execution:kids/Doubler:00000000-0000-4000-8000-000000000000"
	_, err = c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(unknown)})
	wantAPIError[*types.ExecutionDoesNotExist](t, err, "Execution Does Not Exist: '"+unknown+"'")
	_, err = c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(unknown)})
	wantAPIError[*types.ExecutionDoesNotExist](t, err, "Execution Does Not Exist: '"+unknown+"'")
}

// TestChildExecutionStop: StopExecution of a running child aborts that child alone; the run
// counts it aborted and, with one failure tolerated, the parent goes on. A child cannot be
// redriven on its own.
func TestChildExecutionStop(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	activity, err := c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("kid-work")})
	mustNoErr(t, "CreateActivity", err)
	iteration := `{"Type":"Task","Resource":"` + aws.ToString(activity.ActivityArn) + `","End":true}`
	machine := createMachineWith(t, c, "kids-stop", distributedMap(iteration, `"ToleratedFailureCount":1,`), types.StateMachineTypeStandard)
	run, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[1,2]}`)})
	mustNoErr(t, "StartExecution", err)
	mapRun := awaitMapRun(t, c, aws.ToString(run.ExecutionArn))
	list, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: aws.String(mapRun), StatusFilter: types.ExecutionStatusRunning})
	mustNoErr(t, "ListExecutions", err)
	if len(list.Executions) != 2 {
		t.Fatalf("running children %+v", list.Executions)
	}
	victim := aws.ToString(list.Executions[0].ExecutionArn)

	stopped, err := c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: aws.String(victim), Error: aws.String("Halt"), Cause: aws.String("by hand")})
	mustNoErr(t, "StopExecution child", err)
	d, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(victim)})
	mustNoErr(t, "DescribeExecution child", err)
	if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Halt" || aws.ToString(d.Cause) != "by hand" ||
		d.StopDate == nil || !d.StopDate.Equal(*stopped.StopDate) {
		t.Fatalf("stopped child %s %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	history, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(victim), ReverseOrder: true, MaxResults: 1})
	mustNoErr(t, "GetExecutionHistory child", err)
	if last := history.Events[0]; last.Type != types.HistoryEventTypeExecutionAborted || aws.ToString(last.ExecutionAbortedEventDetails.Error) != "Halt" {
		t.Fatalf("last event of the stopped child %+v", last)
	}
	// A second stop answers the same date.
	again, err := c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: aws.String(victim)})
	mustNoErr(t, "StopExecution child again", err)
	if !again.StopDate.Equal(*stopped.StopDate) {
		t.Fatalf("second stop date %v, first %v", again.StopDate, stopped.StopDate)
	}
	described, err := c.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: aws.String(mapRun)})
	mustNoErr(t, "DescribeMapRun", err)
	if described.ExecutionCounts.Aborted != 1 || described.ExecutionCounts.Running != 1 {
		t.Fatalf("map run counts %+v", described.ExecutionCounts)
	}
	_, err = c.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: aws.String(victim)})
	wantAPIError[*types.ExecutionNotRedrivable](t, err, "Execution "+victim+" is a child workflow execution of Map Run "+mapRun+
		": redrive its parent execution "+aws.ToString(run.ExecutionArn))

	// The other child's worker finishes: the parent succeeds.
	task, err := c.GetActivityTask(ctx, &awssfn.GetActivityTaskInput{ActivityArn: activity.ActivityArn})
	mustNoErr(t, "GetActivityTask", err)
	if aws.ToString(task.TaskToken) == "" {
		t.Fatal("no activity task")
	}
	_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`"done"`)})
	mustNoErr(t, "SendTaskSuccess", err)
	if done := waitDone(t, c, aws.ToString(run.ExecutionArn)); done.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("parent %s %s", done.Status, aws.ToString(done.Error))
	}
}

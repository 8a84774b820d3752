package e2e

import (
	"context"
	"fmt"
	"slices"
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

// awaitMapRun waits for the execution's one map run to start and returns its ARN.
func awaitMapRun(t *testing.T, c *awssfn.Client, execARN string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, err := c.ListMapRuns(context.Background(), &awssfn.ListMapRunsInput{ExecutionArn: aws.String(execARN)})
		mustNoErr(t, "ListMapRuns", err)
		if len(list.MapRuns) == 1 {
			return aws.ToString(list.MapRuns[0].MapRunArn)
		}
		if time.Now().After(deadline) {
			t.Fatal("no map run after 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
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
	if len(children.Executions) != 3 {
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

	arn := awaitMapRun(t, c, aws.ToString(run.ExecutionArn))
	// The first iteration waits for an activity worker; the second waits for room.
	var described *awssfn.DescribeMapRunOutput
	deadline := time.Now().Add(30 * time.Second)
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

// activityMap is a state machine whose Distributed Map runs an activity task per item, and
// the activity's ARN.
func activityMap(t *testing.T, c *awssfn.Client, name, settings string) (machine, activity string) {
	t.Helper()
	created, err := c.CreateActivity(context.Background(), &awssfn.CreateActivityInput{Name: aws.String(name + "-work")})
	mustNoErr(t, "CreateActivity", err)
	activity = aws.ToString(created.ActivityArn)
	iteration := `{"Type":"Task","Resource":"` + activity + `","End":true}`
	return createMachineWith(t, c, name, distributedMap(iteration, settings), types.StateMachineTypeStandard), activity
}

// takeTask takes a task of the activity: its token, or "" when none is waiting (the server
// answers empty after its poll timeout).
func takeTask(t *testing.T, c *awssfn.Client, activity string) string {
	t.Helper()
	task, err := c.GetActivityTask(context.Background(), &awssfn.GetActivityTaskInput{ActivityArn: aws.String(activity)})
	mustNoErr(t, "GetActivityTask", err)
	return aws.ToString(task.TaskToken)
}

func describeRun(t *testing.T, c *awssfn.Client, arn string) *awssfn.DescribeMapRunOutput {
	t.Helper()
	out, err := c.DescribeMapRun(context.Background(), &awssfn.DescribeMapRunInput{MapRunArn: aws.String(arn)})
	mustNoErr(t, "DescribeMapRun", err)
	return out
}

// runCounts are a map run's counts, as DescribeMapRun gives them for its items and, without
// an ItemBatcher, alike for its child executions.
type runCounts struct {
	pending, running, succeeded, failed, timedOut, aborted, total int64
	resultsWritten, failuresNotRedrivable, pendingRedrive         int64
}

// counts are the counts by status; the other counts are 0 unless set.
func counts(pending, running, succeeded, failed, aborted, total int64) runCounts {
	return runCounts{pending: pending, running: running, succeeded: succeeded, failed: failed, aborted: aborted, total: total}
}

// notRedrivable sets failuresNotRedrivable.
func (c runCounts) notRedrivable(n int64) runCounts {
	c.failuresNotRedrivable = n
	return c
}

// waitingRedrive sets pendingRedrive.
func (c runCounts) waitingRedrive(n int64) runCounts {
	c.pendingRedrive = n
	return c
}

// wantRunCounts checks every count of a run's items, and that its execution counts are the
// same (one item per child without an ItemBatcher).
func wantRunCounts(t *testing.T, when string, run *awssfn.DescribeMapRunOutput, want runCounts) {
	t.Helper()
	i, e := run.ItemCounts, run.ExecutionCounts
	items := runCounts{i.Pending, i.Running, i.Succeeded, i.Failed, i.TimedOut, i.Aborted, i.Total,
		i.ResultsWritten, aws.ToInt64(i.FailuresNotRedrivable), aws.ToInt64(i.PendingRedrive)}
	execs := runCounts{e.Pending, e.Running, e.Succeeded, e.Failed, e.TimedOut, e.Aborted, e.Total,
		e.ResultsWritten, aws.ToInt64(e.FailuresNotRedrivable), aws.ToInt64(e.PendingRedrive)}
	if items != want || execs != want || i.FailuresNotRedrivable == nil || i.PendingRedrive == nil {
		t.Fatalf("%s: itemCounts %+v executionCounts %+v, want %+v", when, items, execs, want)
	}
}

// historyOf is an execution's history.
func historyOf(t *testing.T, c *awssfn.Client, execARN string) []types.HistoryEvent {
	t.Helper()
	out, err := c.GetExecutionHistory(context.Background(), &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execARN), MaxResults: 1000})
	mustNoErr(t, "GetExecutionHistory", err)
	return out.Events
}

// mapRunEvents lists an execution's MapRun* events as TYPE ARN-or-ERROR lines.
func mapRunEvents(t *testing.T, c *awssfn.Client, execARN string) []string {
	t.Helper()
	var lines []string
	for _, ev := range historyOf(t, c, execARN) {
		switch {
		case ev.MapRunStartedEventDetails != nil:
			lines = append(lines, string(ev.Type)+" "+aws.ToString(ev.MapRunStartedEventDetails.MapRunArn))
		case ev.MapRunRedrivenEventDetails != nil:
			d := ev.MapRunRedrivenEventDetails
			lines = append(lines, fmt.Sprintf("%s %s %d", ev.Type, aws.ToString(d.MapRunArn), aws.ToInt32(d.RedriveCount)))
		case ev.MapRunFailedEventDetails != nil:
			lines = append(lines, string(ev.Type)+" "+aws.ToString(ev.MapRunFailedEventDetails.Error))
		case strings.HasPrefix(string(ev.Type), "MapRun"):
			lines = append(lines, string(ev.Type))
		}
	}
	return lines
}

// TestUpdateMapRunConcurrency raises a running map run's concurrency and sees more iterations
// in flight (more activity tasks to take), then lowers it and sees running iterations finish
// before the next starts.
func TestUpdateMapRunConcurrency(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, withActivityPollTimeout(300*time.Millisecond))
	ctx := context.Background()
	machine, activity := activityMap(t, c, "mr-concurrency", `"MaxConcurrency":1,`)
	exec, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[1,2,3,4]}`)})
	mustNoErr(t, "StartExecution", err)
	arn := awaitMapRun(t, c, aws.ToString(exec.ExecutionArn))

	first := takeTask(t, c, activity)
	if first == "" || takeTask(t, c, activity) != "" {
		t.Fatal("with MaxConcurrency 1, want exactly one task in flight")
	}
	_, err = c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String(arn), MaxConcurrency: aws.Int32(3)})
	mustNoErr(t, "UpdateMapRun", err)
	second, third := takeTask(t, c, activity), takeTask(t, c, activity)
	if second == "" || third == "" || takeTask(t, c, activity) != "" {
		t.Fatal("with MaxConcurrency 3, want exactly three tasks in flight")
	}
	run := describeRun(t, c, arn)
	if run.MaxConcurrency != 3 || run.Status != types.MapRunStatusRunning {
		t.Fatalf("after raising: %+v", run)
	}
	wantRunCounts(t, "after raising", run, counts(1, 3, 0, 0, 0, 4))

	// Lowered to 1: the three running finish before the last one starts.
	_, err = c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String(arn), MaxConcurrency: aws.Int32(1)})
	mustNoErr(t, "UpdateMapRun", err)
	for i, token := range []string{first, second} {
		_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`"done"`)})
		mustNoErr(t, "SendTaskSuccess", err)
		wantRunCounts(t, "after lowering", describeRun(t, c, arn), counts(1, int64(2-i), int64(i+1), 0, 0, 4))
	}
	if takeTask(t, c, activity) != "" {
		t.Fatal("a task started while the one running used all the room")
	}
	_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(third), Output: aws.String(`"done"`)})
	mustNoErr(t, "SendTaskSuccess", err)
	last := takeTask(t, c, activity)
	if last == "" {
		t.Fatal("the last iteration did not start once there was room")
	}
	_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(last), Output: aws.String(`"done"`)})
	mustNoErr(t, "SendTaskSuccess", err)
	if done := waitDone(t, c, aws.ToString(exec.ExecutionArn)); done.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("execution %s %s", done.Status, aws.ToString(done.Cause))
	}

	// After the end the counts are still exact, and the settings those it ended with.
	run = describeRun(t, c, arn)
	if run.Status != types.MapRunStatusSucceeded || run.MaxConcurrency != 1 || run.StopDate == nil {
		t.Fatalf("ended run %+v", run)
	}
	wantRunCounts(t, "ended", run, counts(0, 0, 4, 0, 0, 4))
}

func TestUpdateMapRunToleratedFailures(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, withActivityPollTimeout(300*time.Millisecond))
	ctx := context.Background()

	t.Run("tolerating a failure the definition did not", func(t *testing.T) {
		machine, activity := activityMap(t, c, "mr-tolerate", `"MaxConcurrency":1,`)
		exec, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[1,2,3]}`)})
		mustNoErr(t, "StartExecution", err)
		arn := awaitMapRun(t, c, aws.ToString(exec.ExecutionArn))
		_, err = c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String(arn), ToleratedFailureCount: aws.Int64(1)})
		mustNoErr(t, "UpdateMapRun", err)
		_, err = c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String(takeTask(t, c, activity)), Error: aws.String("Bad"), Cause: aws.String("bad item")})
		mustNoErr(t, "SendTaskFailure", err)
		for range 2 {
			_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(takeTask(t, c, activity)), Output: aws.String(`"ok"`)})
			mustNoErr(t, "SendTaskSuccess", err)
		}
		done := waitDone(t, c, aws.ToString(exec.ExecutionArn))
		if done.Status != types.ExecutionStatusSucceeded || aws.ToString(done.Output) != `[{"Error":"Bad","Cause":"bad item"},"ok","ok"]` {
			t.Fatalf("execution %s %s %s", done.Status, aws.ToString(done.Output), aws.ToString(done.Cause))
		}
		run := describeRun(t, c, arn)
		if run.Status != types.MapRunStatusSucceeded || run.ToleratedFailureCount != 1 {
			t.Fatalf("ended run %+v", run)
		}
		// The execution succeeded: no redrive will run the failed child again.
		wantRunCounts(t, "ended", run, counts(0, 0, 2, 1, 0, 3).notRedrivable(1))
	})

	t.Run("a lower threshold fails the run", func(t *testing.T) {
		machine, activity := activityMap(t, c, "mr-intolerant", `"MaxConcurrency":2,"ToleratedFailurePercentage":100,`)
		exec, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[1,2,3,4]}`)})
		mustNoErr(t, "StartExecution", err)
		arn := awaitMapRun(t, c, aws.ToString(exec.ExecutionArn))
		_, err = c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String(takeTask(t, c, activity)), Error: aws.String("Bad")})
		mustNoErr(t, "SendTaskFailure", err)
		wantRunCounts(t, "after a tolerated failure", describeRun(t, c, arn), counts(1, 2, 0, 1, 0, 4))

		// One of four failed: 25% is over the new 10%.
		_, err = c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String(arn), ToleratedFailurePercentage: aws.Float32(10)})
		mustNoErr(t, "UpdateMapRun", err)
		done := waitDone(t, c, aws.ToString(exec.ExecutionArn))
		if done.Status != types.ExecutionStatusFailed || aws.ToString(done.Error) != "States.ExceedToleratedFailureThreshold" {
			t.Fatalf("execution %s %s", done.Status, aws.ToString(done.Error))
		}
		run := describeRun(t, c, arn)
		if run.Status != types.MapRunStatusFailed || run.ToleratedFailurePercentage != 10 || run.MaxConcurrency != 2 || run.StopDate == nil {
			t.Fatalf("failed run %+v", run)
		}
		// The execution failed at the run: a redrive would run its failures again.
		wantRunCounts(t, "failed", run, counts(1, 0, 0, 1, 2, 4))
		if got, want := mapRunEvents(t, c, aws.ToString(exec.ExecutionArn)), []string{"MapRunStarted " + arn, "MapRunFailed States.ExceedToleratedFailureThreshold"}; !slices.Equal(got, want) {
			t.Fatalf("history %q, want %q", got, want)
		}
		_, err = c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String(arn), ToleratedFailurePercentage: aws.Float32(50)})
		wantAPIError[*types.ValidationException](t, err, "Map Run is FAILED and can no longer be updated: '"+arn+"'")
	})
}

// TestMapRunRetriedAndRedriven covers runs that end without an event of their own (a retried
// Map state starts a new run) and a run a redrive starts again under the same ARN.
func TestMapRunRetriedAndRedriven(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	boom := `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:boom","End":true}`
	machine := createMachineWith(t, c, "mr-retry", distributedMap(boom, `"MaxConcurrency":1,"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1,"IntervalSeconds":1}],`),
		types.StateMachineTypeStandard)
	exec, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[{"n":1},{"n":2}]}`)})
	mustNoErr(t, "StartExecution", err)
	if done := waitDone(t, c, aws.ToString(exec.ExecutionArn)); done.Status != types.ExecutionStatusFailed || aws.ToString(done.Error) != "Boom" {
		t.Fatalf("execution %s %s", done.Status, aws.ToString(done.Error))
	}
	runs := func(want int) []types.MapRunListItem {
		t.Helper()
		list, err := c.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: exec.ExecutionArn})
		mustNoErr(t, "ListMapRuns", err)
		if len(list.MapRuns) != want {
			t.Fatalf("%d map runs, want %d", len(list.MapRuns), want)
		}
		return list.MapRuns
	}
	listed := runs(2)
	last, retried := aws.ToString(listed[0].MapRunArn), aws.ToString(listed[1].MapRunArn)
	for _, item := range listed {
		run := describeRun(t, c, aws.ToString(item.MapRunArn))
		if run.Status != types.MapRunStatusFailed || run.StopDate == nil || item.StopDate == nil || aws.ToInt32(run.RedriveCount) != 0 {
			t.Fatalf("run %+v", run)
		}
	}
	// Each attempt is a run of its own, which fails with MapRunFailed; only the last is where
	// the execution stopped, and a redrive would run its failure again.
	wantRunCounts(t, "retried", describeRun(t, c, retried), counts(1, 0, 0, 1, 0, 2).notRedrivable(1))
	wantRunCounts(t, "last", describeRun(t, c, last), counts(1, 0, 0, 1, 0, 2))
	wantEvents := []string{"MapRunStarted " + retried, "MapRunFailed Boom", "MapRunStarted " + last, "MapRunFailed Boom"}
	if got := mapRunEvents(t, c, aws.ToString(exec.ExecutionArn)); !slices.Equal(got, wantEvents) {
		t.Fatalf("history %q, want %q", got, wantEvents)
	}

	_, err = c.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: exec.ExecutionArn})
	mustNoErr(t, "RedriveExecution", err)
	if done := waitDone(t, c, aws.ToString(exec.ExecutionArn)); done.Status != types.ExecutionStatusFailed {
		t.Fatalf("redriven execution %s", done.Status)
	}
	// The redrive ran the last run again, whose failure the Map state retried once more.
	listed = runs(3)
	if aws.ToString(listed[1].MapRunArn) != last {
		t.Fatalf("runs %v, want the redriven %s second", listed, last)
	}
	third := aws.ToString(listed[0].MapRunArn)
	wantEvents = append(wantEvents, "MapRunRedriven "+last+" 1", "MapRunFailed Boom", "MapRunStarted "+third, "MapRunFailed Boom")
	if got := mapRunEvents(t, c, aws.ToString(exec.ExecutionArn)); !slices.Equal(got, wantEvents) {
		t.Fatalf("history %q, want %q", got, wantEvents)
	}
	run := describeRun(t, c, last)
	if run.Status != types.MapRunStatusFailed || aws.ToInt32(run.RedriveCount) != 1 || run.RedriveDate == nil {
		t.Fatalf("redriven run %+v", run)
	}
	wantRunCounts(t, "redriven", run, counts(1, 0, 0, 1, 0, 2).notRedrivable(1))
	wantRunCounts(t, "third", describeRun(t, c, third), counts(1, 0, 0, 1, 0, 2))
}

// TestMapRunEndings ends map runs every way they end and checks every count right after.
func TestMapRunEndings(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, withActivityPollTimeout(300*time.Millisecond))
	ctx := context.Background()

	t.Run("success", func(t *testing.T) {
		machine := createMachineWith(t, c, "mr-ok", distributedMap("", `"MaxConcurrency":2,`), types.StateMachineTypeStandard)
		exec, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[{"n":1},{"n":2},{"n":3}]}`)})
		mustNoErr(t, "StartExecution", err)
		if done := waitDone(t, c, aws.ToString(exec.ExecutionArn)); done.Status != types.ExecutionStatusSucceeded {
			t.Fatalf("execution %s %s", done.Status, aws.ToString(done.Cause))
		}
		arn := awaitMapRun(t, c, aws.ToString(exec.ExecutionArn))
		run := describeRun(t, c, arn)
		if run.Status != types.MapRunStatusSucceeded || run.StopDate == nil {
			t.Fatalf("run %+v", run)
		}
		wantRunCounts(t, "succeeded", run, counts(0, 0, 3, 0, 0, 3))
		if got, want := mapRunEvents(t, c, aws.ToString(exec.ExecutionArn)), []string{"MapRunStarted " + arn, "MapRunSucceeded"}; !slices.Equal(got, want) {
			t.Fatalf("history %q, want %q", got, want)
		}
	})

	t.Run("stopped", func(t *testing.T) {
		machine, activity := activityMap(t, c, "mr-stop", `"MaxConcurrency":2,`)
		exec, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[1,2,3,4]}`)})
		mustNoErr(t, "StartExecution", err)
		arn := awaitMapRun(t, c, aws.ToString(exec.ExecutionArn))
		_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(takeTask(t, c, activity)), Output: aws.String(`1`)})
		mustNoErr(t, "SendTaskSuccess", err)
		wantRunCounts(t, "running", describeRun(t, c, arn), counts(1, 2, 1, 0, 0, 4))
		_, err = c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: exec.ExecutionArn})
		mustNoErr(t, "StopExecution", err)
		run := describeRun(t, c, arn)
		if run.Status != types.MapRunStatusAborted || run.StopDate == nil {
			t.Fatalf("run %+v", run)
		}
		// The running children were aborted, the last never started; a redrive would run
		// both again.
		wantRunCounts(t, "stopped", run, counts(1, 0, 1, 0, 2, 4))
	})

	t.Run("execution timed out", func(t *testing.T) {
		_, activity := activityMap(t, c, "mr-timeout-work", "")
		iteration := `{"Type":"Task","Resource":"` + activity + `","End":true}`
		machine := createMachineWith(t, c, "mr-timeout", strings.Replace(distributedMap(iteration, `"MaxConcurrency":1,`), `{"StartAt":"M"`, `{"TimeoutSeconds":1,"StartAt":"M"`, 1),
			types.StateMachineTypeStandard)
		exec, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[1,2]}`)})
		mustNoErr(t, "StartExecution", err)
		if done := waitDone(t, c, aws.ToString(exec.ExecutionArn)); done.Status != types.ExecutionStatusTimedOut {
			t.Fatalf("execution %s", done.Status)
		}
		arn := awaitMapRun(t, c, aws.ToString(exec.ExecutionArn))
		run := describeRun(t, c, arn)
		if run.Status != types.MapRunStatusAborted || run.StopDate == nil {
			t.Fatalf("run %+v", run)
		}
		// The parent timed out, not its children: the running one was aborted.
		wantRunCounts(t, "timed out", run, counts(1, 0, 0, 0, 1, 2))
	})

	t.Run("redriven", func(t *testing.T) {
		machine, activity := activityMap(t, c, "mr-redrive", `"MaxConcurrency":1,"ToleratedFailureCount":1,`)
		exec, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"items":[1,2,3]}`)})
		mustNoErr(t, "StartExecution", err)
		execARN := aws.ToString(exec.ExecutionArn)
		arn := awaitMapRun(t, c, execARN)
		for range 2 { // the second failure is one too many
			_, err = c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String(takeTask(t, c, activity)), Error: aws.String("Bad")})
			mustNoErr(t, "SendTaskFailure", err)
		}
		if done := waitDone(t, c, execARN); done.Status != types.ExecutionStatusFailed {
			t.Fatalf("execution %s", done.Status)
		}
		wantRunCounts(t, "failed", describeRun(t, c, arn), counts(1, 0, 0, 2, 0, 3))

		_, err = c.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: exec.ExecutionArn})
		mustNoErr(t, "RedriveExecution", err)
		// Room for one: the first failed child runs again, the second waits to be redriven
		// (still counted failed), the third was never started.
		first := takeTask(t, c, activity)
		run := describeRun(t, c, arn)
		if run.Status != types.MapRunStatusRunning || run.StopDate != nil || aws.ToInt32(run.RedriveCount) != 1 || run.RedriveDate == nil {
			t.Fatalf("redriven run %+v", run)
		}
		wantRunCounts(t, "redriven", run, counts(1, 1, 0, 1, 0, 3).waitingRedrive(1))
		list, err := c.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: exec.ExecutionArn})
		mustNoErr(t, "ListMapRuns", err)
		if len(list.MapRuns) != 1 || list.MapRuns[0].StopDate != nil {
			t.Fatalf("map runs %+v, want the one redriven, running", list.MapRuns)
		}
		for token := first; token != ""; token = takeTask(t, c, activity) {
			_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`"ok"`)})
			mustNoErr(t, "SendTaskSuccess", err)
			if done, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: exec.ExecutionArn}); err == nil && done.Status != types.ExecutionStatusRunning {
				break
			}
		}
		if done := waitDone(t, c, execARN); done.Status != types.ExecutionStatusSucceeded {
			t.Fatalf("redriven execution %s %s", done.Status, aws.ToString(done.Cause))
		}
		run = describeRun(t, c, arn)
		if run.Status != types.MapRunStatusSucceeded || run.StopDate == nil || aws.ToInt32(run.RedriveCount) != 1 {
			t.Fatalf("run after the redrive %+v", run)
		}
		wantRunCounts(t, "succeeded", run, counts(0, 0, 3, 0, 0, 3))
		if got, want := mapRunEvents(t, c, execARN), []string{"MapRunStarted " + arn, "MapRunFailed States.ExceedToleratedFailureThreshold", "MapRunRedriven " + arn + " 1", "MapRunSucceeded"}; !slices.Equal(got, want) {
			t.Fatalf("history %q, want %q", got, want)
		}
	})
}

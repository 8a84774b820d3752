package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/task/mock"
)

// ordersDefinition saves an order in DynamoDB, then charges it with a Lambda function that
// is retried once when throttled. Neither has a task runner in the test server.
const ordersDefinition = `{"StartAt":"Save","States":{
"Save":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"orders","Item":{"id":{"S.$":"$.id"}}},"ResultPath":null,"Next":"Charge"},
"Charge":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"charge","Payload.$":"$"},
 "ResultSelector":{"charged.$":"$.Payload.charged"},"ResultPath":"$.charge",
 "Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":1,"MaxAttempts":1}],"End":true}}}`

const ordersMocks = `{
"StateMachines":{
  "orders":{"TestCases":{"RetryPath":{"Save":"Saved","Charge":"ThrottledThenCharged"}}},
  "orders-express":{"TestCases":{"RetryPath":{"Save":"Saved","Charge":"ThrottledThenCharged"}}}
},
"MockedResponses":{
  "Saved":{"0":{"Return":{"SdkHttpMetadata":{"HttpStatusCode":200}}}},
  "ThrottledThenCharged":{
    "0":{"Throw":{"Error":"Lambda.TooManyRequestsException","Cause":"Rate exceeded"}},
    "1":{"Return":{"StatusCode":200,"Payload":{"charged":true}}}}
}}`

func mockServer(t *testing.T) *awssfn.Client {
	t.Helper()
	cfg, err := mock.ParseConfig([]byte(ordersMocks), "mocks.json")
	mustNoErr(t, "mock config", err)
	c, _ := newClient(t, withMocks(cfg))
	return c
}

func TestMockedTestCase(t *testing.T) {
	t.Parallel()
	c := mockServer(t)
	ctx := context.Background()
	machine := createMachineWith(t, c, "orders", ordersDefinition, types.StateMachineTypeStandard)

	run, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine + "#RetryPath"), Input: aws.String(`{"id":"o-1"}`)})
	mustNoErr(t, "StartExecution #RetryPath", err)
	done := waitDone(t, c, aws.ToString(run.ExecutionArn))
	if done.Status != types.ExecutionStatusSucceeded || aws.ToString(done.Output) != `{"id":"o-1","charge":{"charged":true}}` {
		t.Fatalf("mocked execution: %s %s %s output %s", done.Status, aws.ToString(done.Error), aws.ToString(done.Cause), aws.ToString(done.Output))
	}
	if aws.ToString(done.StateMachineArn) != machine || len(aws.ToString(done.Name)) != 36 {
		t.Fatalf("mocked execution of %s named %q", aws.ToString(done.StateMachineArn), aws.ToString(done.Name))
	}
	history, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: run.ExecutionArn})
	mustNoErr(t, "GetExecutionHistory", err)
	var failures, successes int
	for _, ev := range history.Events {
		switch ev.Type {
		case types.HistoryEventTypeTaskFailed:
			failures++
			if d := ev.TaskFailedEventDetails; aws.ToString(d.Error) != "Lambda.TooManyRequestsException" || aws.ToString(d.Cause) != "Rate exceeded" {
				t.Fatalf("TaskFailed %+v", d)
			}
		case types.HistoryEventTypeTaskSucceeded:
			successes++
		}
	}
	if failures != 1 || successes != 2 {
		t.Fatalf("%d TaskFailed and %d TaskSucceeded events, want 1 and 2", failures, successes)
	}

	unmocked, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"id":"o-2"}`)})
	mustNoErr(t, "StartExecution without a test case", err)
	failed := waitDone(t, c, aws.ToString(unmocked.ExecutionArn))
	wantCause := `no task runner is configured for resource arn:aws:states:::dynamodb:putItem (state "Save"); configure a mock for the state in a test case (stepflow test --mocks FILE --case NAME) or a task runner for the resource`
	if failed.Status != types.ExecutionStatusFailed || aws.ToString(failed.Error) != "States.Runtime" || aws.ToString(failed.Cause) != wantCause {
		t.Fatalf("unmocked execution: %s %s %q", failed.Status, aws.ToString(failed.Error), aws.ToString(failed.Cause))
	}
}

func TestMockedSyncExecution(t *testing.T) {
	t.Parallel()
	c := mockServer(t)
	ctx := context.Background()
	machine := createMachineWith(t, c, "orders-express", ordersDefinition, types.StateMachineTypeExpress)
	out, err := c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: aws.String(machine + "#RetryPath"), Input: aws.String(`{"id":"o-3"}`)})
	mustNoErr(t, "StartSyncExecution #RetryPath", err)
	if out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"id":"o-3","charge":{"charged":true}}` {
		t.Fatalf("mocked sync execution: %s %s %s output %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), aws.ToString(out.Output))
	}
}

func TestMockedTestCaseErrors(t *testing.T) {
	t.Parallel()
	c := mockServer(t)
	plain, _ := newClient(t)
	ctx := context.Background()
	standard := createMachineWith(t, c, "orders", ordersDefinition, types.StateMachineTypeStandard)
	express := createMachineWith(t, c, "orders-express", ordersDefinition, types.StateMachineTypeExpress)
	unlisted := createMachineWith(t, c, "unlisted", ordersDefinition, types.StateMachineTypeStandard)
	plainMachine := createMachineWith(t, plain, "orders", ordersDefinition, types.StateMachineTypeStandard)
	for _, tc := range []struct {
		name   string
		client *awssfn.Client
		arn    string
		msg    string
	}{
		{"missing test case", c, standard + "#Nope",
			`Test case 'Nope' does not exist: state machine "orders" has no test case "Nope" in the mock file (it has: RetryPath)`},
		{"machine without test cases", c, unlisted + "#RetryPath",
			`Test case 'RetryPath' does not exist: state machine "unlisted" has no test cases in the mock file (it has: orders, orders-express)`},
		{"empty test case name", c, standard + "#",
			"The test case name after '#' is empty: '" + standard + "#'"},
		{"express started asynchronously", c, express + "#RetryPath",
			"Test cases run on STANDARD state machines with StartExecution and on EXPRESS ones with StartSyncExecution"},
		{"server without mocks", plain, plainMachine + "#RetryPath",
			"Test case 'RetryPath' cannot run: the server has no mock configuration (stepflow server --mocks FILE)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(tc.arn)})
			wantAPIError[*types.ValidationException](t, err, tc.msg)
		})
	}
}
